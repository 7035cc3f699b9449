// Where an ingest spends its time: a proxy around the drizzle database that timestamps every raw statement
// (db.execute, which the bulk paths use), every query-builder call and the transaction's BEGIN and COMMIT.
// The gaps between those events are JavaScript work (parsing, normalizing, building and serializing rows)
// plus the round trips of builder queries, which are all small here.
import { getTableName, type Table } from "drizzle-orm";
import type { Database } from "@/db/client";

type Event = { t: number; kind: "sql-start" | "sql-end" | "mark"; label: string; rss: number };

export type Phase = { label: string; sql: boolean; ms: number; calls: number; peakRss: number };

export class PhaseRecorder {
  private events: Event[] = [];

  constructor(private readonly onRss: (rss: number) => void = () => {}) {}

  push(kind: Event["kind"], label: string): void {
    const rss = process.memoryUsage.rss();
    this.onRss(rss);
    this.events.push({ t: performance.now(), kind, label, rss });
  }

  begin(): void {
    this.events = [];
    this.push("mark", "call");
  }

  end(): void {
    this.push("mark", "return");
  }

  /**
   * Time per phase, in order of first appearance: a statement phase is the time inside db.execute
   * (serializing parameters, the round trip, the server's work, reading rows); a gap phase is named by
   * the events around it, e.g. "js: select → transaction" is what ran after the first builder query was
   * started and before the transaction was opened.
   */
  phases(): Phase[] {
    const out = new Map<string, Phase>();
    const add = (label: string, sql: boolean, ms: number, rss: number) => {
      const p = out.get(label) ?? { label, sql, ms: 0, calls: 0, peakRss: 0 };
      p.ms += ms;
      p.calls++;
      p.peakRss = Math.max(p.peakRss, rss);
      out.set(label, p);
    };
    for (let i = 0; i + 1 < this.events.length; i++) {
      const a = this.events[i]!;
      const b = this.events[i + 1]!;
      const rss = Math.max(a.rss, b.rss);
      if (a.kind === "sql-start") add(`sql: ${a.label}`, true, b.t - a.t, rss);
      else add(`js: ${a.label} → ${b.label}`, false, b.t - a.t, rss);
    }
    return [...out.values()];
  }
}

/** Lower-cased SQL text of a drizzle `sql` object (its literal parts, without parameter values). */
function sqlText(query: unknown): string {
  const chunks = (query as { queryChunks?: unknown[] }).queryChunks ?? [];
  let s = "";
  for (const c of chunks) {
    const v = (c as { value?: unknown } | null)?.value;
    if (Array.isArray(v)) s += v.join(" ");
  }
  return s.replace(/\s+/g, " ").trim().toLowerCase();
}

/** A short name for a statement: "upsert findings", "select finding_tracks", "advisory lock", … */
export function statementLabel(query: unknown): string {
  const s = sqlText(query);
  if (s.includes("pg_advisory")) return "advisory lock";
  const write = /^(insert into|update|delete from)\s+"?(\w+)"?/.exec(s);
  if (write) {
    const verb = write[1] === "insert into" ? (s.includes("on conflict") ? "upsert" : "insert") : write[1]!.split(" ")[0]!;
    return `${verb} ${write[2]}`;
  }
  const from = /\bfrom\s+"?(\w+)"?/.exec(s);
  if (s.startsWith("select") && from) return `select ${from[1]}`;
  return s.slice(0, 40);
}

const BUILDERS = new Set(["select", "selectDistinct", "insert", "update", "delete"]);

/** The same database, with every statement, builder call and transaction boundary recorded. */
export function instrument(db: Database, rec: PhaseRecorder): Database {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop === "execute") {
        return async (query: unknown) => {
          const label = statementLabel(query);
          rec.push("sql-start", label);
          try {
            return await (fn.call(target, query) as Promise<unknown>);
          } finally {
            rec.push("sql-end", label);
          }
        };
      }
      if (prop === "transaction") {
        return (body: (tx: Database) => Promise<unknown>, config?: unknown) => {
          rec.push("mark", "BEGIN");
          return fn.call(
            target,
            async (tx: Database) => {
              rec.push("mark", "tx body");
              const result = await body(instrument(tx, rec));
              rec.push("mark", "COMMIT");
              return result;
            },
            config,
          );
        };
      }
      if (typeof prop === "string" && BUILDERS.has(prop)) {
        return (...args: unknown[]) => {
          const table = prop === "select" || prop === "selectDistinct" ? undefined : tableName(args[0]);
          rec.push("mark", table ? `${prop}(${table})` : prop);
          return fn.apply(target, args);
        };
      }
      return fn.bind(target);
    },
  });
}

function tableName(t: unknown): string | undefined {
  try {
    return getTableName(t as Table);
  } catch {
    return undefined;
  }
}
