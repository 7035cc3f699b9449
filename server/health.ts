import { latestMigration } from "@/db/migrate";
import pkg from "@/package.json";
import type { Runtime } from "./runtime";
import { auditProtection, type AuditProtection } from "./security/audit-protection";

export type Health = {
  status: "ok" | "unavailable";
  database: Runtime["kind"];
  migrations: string | null;
  version: string;
  /** whether the role Gatehouse runs as could switch off the append-only protection of the records (see README) */
  auditProtection: AuditProtection | null;
};

export const VERSION: string = pkg.version;

export async function getHealth(rt: Runtime): Promise<Health> {
  try {
    const [latest, protection] = await withTimeout(Promise.all([latestMigration(rt.db), auditProtection(rt.db, rt.kind)]), 3000);
    return { status: "ok", database: rt.kind, migrations: latest ?? null, version: VERSION, auditProtection: protection };
  } catch {
    return { status: "unavailable", database: rt.kind, migrations: null, version: VERSION, auditProtection: null };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
