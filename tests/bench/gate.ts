// Gate benchmark: 1,000 services with 1,000,000 findings, then POST /api/v1/gate through HTTP against the real
// production server — latency at a fixed rate (open loop, evenly spaced), throughput at fixed concurrency
// (autocannon), and the pure evaluation on its own. PGlite and PostgreSQL.
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { loadavg as osLoadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { decideGate } from "@/server/gate/decide";
import { defaultPolicyFor } from "@/server/gate/policy";
import type { GateInput } from "@/server/gate/types";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { cli, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";
import { openDatabase } from "@/db/client";
import { findPostgres } from "./lib/db";
import { backendCpu, cpuSince, processCpuMs } from "./lib/ingest-cpu";
import { runInChild } from "./lib/child";
import type { GateProfileInput, GateProfileResult } from "./lib/gate-profile";
import { checkpointAfterSeed, gateCommit, keepAsUploadsDo, seedGate } from "./lib/seed-gate";
import { table, int } from "./lib/table";
import { parseFlags, type Benchmark } from "./lib/types";

const loadavg = () =>
  osLoadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
// A realistic mix: few criticals, many mediums and lows.
const SEVERITY_MIX = [0.01, 0.09, 0.35, 0.4, 0.15];

function pickSeverity(i: number): (typeof SEVERITIES)[number] {
  const x = ((i * 2654435761) % 1000) / 1000;
  let acc = 0;
  for (let s = 0; s < SEVERITY_MIX.length; s++) {
    acc += SEVERITY_MIX[s]!;
    if (x < acc) return SEVERITIES[s]!;
  }
  return "info";
}

function report(service: number, n: number): string {
  const findings = Array.from({ length: n }, (_, i) => ({
    kind: i % 3 === 0 ? "code" : "dependency",
    ruleId: i % 3 === 0 ? `rule-${i % 97}` : `CVE-2024-${String(10000 + i).padStart(5, "0")}`,
    title: `finding ${i} of service ${service}`,
    severity: pickSeverity(i + service),
    ...(i % 3 === 0
      ? { location: { file: `src/module-${i % 50}/file-${i}.ts`, startLine: 10 + (i % 300), snippet: `call_${i}()` } }
      : {
          vulnerabilityId: `CVE-2024-${String(10000 + i).padStart(5, "0")}`,
          package: { ecosystem: "npm", name: `pkg-${i % 400}`, version: "1.0.0", fixedVersions: ["1.0.1"] },
        }),
  }));
  return JSON.stringify({ gatehouse: "1", tool: { name: "bench-scanner", version: "1.0" }, evidence: ["sast", "sca"], findings });
}

const clean = (kind: string) =>
  JSON.stringify({ gatehouse: "1", tool: { name: `${kind}-scanner` }, evidence: [kind], findings: [] });
const commitOf = gateCommit;

/**
 * POST with node:http on keep-alive connections: the open loop's client. It runs on the same two cores as the server
 * and PostgreSQL, and `fetch` cost it ≈ 1.6 ms of CPU per request (≈ 0.3 cores at 200 req/s) that the server then
 * lacked; this costs ≈ 0.5 ms. Rejects with the socket's error (its `code` is what the bench counts).
 */
function post(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type Result = {
  db: string;
  seedS: number;
  findings: number;
  rate: number;
  achieved: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  /** the open loop after its first pass over the services (each service's first gate keeps its findings) */
  laterP50: number;
  laterP99: number;
  tput: number;
  tp50: number;
  tp99: number;
  /** CPU per request at full speed (8 connections): the server process, and PostgreSQL's backends (null: PGlite) */
  nodeMs: number | null;
  pgMs: number | null;
};

async function benchOne(
  kind: "pglite" | "postgres",
  opts: { services: number; perService: number; rate: number; seconds: number; nothingKept: boolean },
  pgUrl?: string,
): Promise<Result> {
  let env: Record<string, string>;
  let dbName: string | undefined;
  if (kind === "postgres") {
    dbName = `gatehouse_bench_${randomBytes(4).toString("hex")}`;
    const { default: postgres } = await import("postgres");
    const admin = postgres(adminUrl(pgUrl!), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    env = { DATABASE_URL: withDatabase(pgUrl!, dbName), GATEHOUSE_DB_POOL_MAX: "20" };
  } else {
    env = { GATEHOUSE_DATA_DIR: path.join(tempDir("gatehouse-bench-"), "data") };
  }
  env.GATEHOUSE_LOG_LEVEL = "warn";
  env.GATEHOUSE_API_RATE_PER_MINUTE = "1000000";
  let server: RunningServer | undefined;
  try {
    server = await startServer(env, 300_000);
    const last = async (args: string[]) => (await cli(args, env)).stdout.trim().split("\n").at(-1)!;
    await last(["team", "create", "bench"]);
    const token = await last(["token", "create", "--team", "bench", "--scopes", "scans:write,gate:evaluate"]);
    const auth = { authorization: `Bearer ${token}` };

    const t0 = performance.now();
    if (kind === "postgres") {
      console.log(`[${kind}] seeding ${int(opts.services)} services × ${int(opts.perService)} findings with SQL…`);
      const { default: postgres } = await import("postgres");
      const raw = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      try {
        const [team] = await raw<{ id: string }[]>`select id from teams where slug = 'bench'`;
        await seedGate(raw, { services: opts.services, perService: opts.perService, teamId: team!.id, now: new Date() }, (l) =>
          console.log(`[${kind}] ${l}`),
        );
      } finally {
        await raw.end();
      }
      // --nothing-kept: every service's first gate reads its findings from the tables (as after an upload of more than
      // KEEP_AT_UPLOAD_MAX_FINDINGS, or a gate whose set of scans no upload kept).
      if (!opts.nothingKept) await keepAsUploadsDo(env.DATABASE_URL!, opts, (l) => console.log(`[${kind}] ${l}`));
      const settle = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      try {
        await checkpointAfterSeed(settle, (l) => console.log(`[${kind}] ${l}`));
      } finally {
        await settle.end();
      }
    } else {
      console.log(`[${kind}] seeding ${int(opts.services)} services × ${int(opts.perService)} findings over HTTP…`);
      let done = 0;
      await pool(
        Array.from({ length: opts.services }, (_, i) => i),
        4,
        async (i) => {
          const q = `service=svc-${i}&commit=${commitOf(i)}&branch=main`;
          for (const body of [report(i, opts.perService), clean("secrets")]) {
            const r = await fetch(`${server!.url}/api/v1/scans?${q}`, { method: "POST", headers: auth, body });
            if (r.status !== 201) throw new Error(`seed upload failed: ${r.status} ${await r.text()}`);
          }
          if (++done % 100 === 0)
            console.log(
              `[${kind}]   ${done} services (${int((done * opts.perService) / ((performance.now() - t0) / 1000))} findings/s)`,
            );
        },
      );
    }
    const seedS = (performance.now() - t0) / 1000;

    const body = (i: number) =>
      JSON.stringify({ service: `svc-${i % opts.services}`, stage: "test", commit: commitOf(i % opts.services) });
    // Warm up connections, caches and the JIT, and start the gate's workers (server/workers/gate-workers.ts: they start
    // when gates arrive together, as under any steady load): 8 at a time for five seconds, over 50 of the services.
    const warmUntil = performance.now() + 5_000;
    let warmed = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < warmUntil)
          await (
            await fetch(`${server!.url}/api/v1/gate`, {
              method: "POST",
              headers: { ...auth, "content-type": "application/json" },
              body: body(warmed++ % 50),
            })
          ).arrayBuffer();
      }),
    );

    console.log(`[${kind}] open loop: ${opts.rate} requests/s for ${opts.seconds} s…`);
    const latencies: number[] = [];
    let errors = 0;
    const why = new Map<string, number>();
    const total = opts.rate * opts.seconds;
    const interval = 1000 / opts.rate;
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const client0 = process.cpuUsage();
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        (async () => {
          const t = performance.now();
          try {
            const status = await post(
              agent,
              `${server!.url}/api/v1/gate`,
              { ...auth, "content-type": "application/json" },
              body(i * 7919),
            );
            if (status !== 200) {
              errors++;
              why.set(`HTTP ${status}`, (why.get(`HTTP ${status}`) ?? 0) + 1);
            }
          } catch (e) {
            errors++;
            const key = String((e as { code?: string }).code ?? (e as Error).message);
            why.set(key, (why.get(key) ?? 0) + 1);
          }
          latencies[i] = performance.now() - t;
        })(),
      );
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - start) / 1000;
    const client = process.cpuUsage(client0);
    agent.destroy();
    console.log(
      `[${kind}] open-loop client (this process, same cores): ${((client.user + client.system) / 1000 / total).toFixed(2)} ms of CPU per request`,
    );
    // The body cycles over every service once per `services` requests: the first pass is each service's first gate.
    const later = latencies.slice(opts.services).sort((a, b) => a - b);
    latencies.sort((a, b) => a - b);
    if (why.size) console.log(`[${kind}] open-loop errors: ${[...why].map(([k, n]) => `${k} × ${n}`).join(", ")}`);

    console.log(`[${kind}] throughput: autocannon, 8 connections, 10 s…`);
    let n = 0;
    const cpuDb = kind === "postgres" ? await openDatabase({ kind: "postgres", url: env.DATABASE_URL!, poolMax: 1 }) : undefined;
    const node0 = processCpuMs(server.child.pid!);
    const pg0 = cpuDb ? await backendCpu(cpuDb.db) : undefined;
    const ac = await autocannon({
      url: `${server.url}/api/v1/gate`,
      connections: 8,
      duration: 10,
      requests: [
        {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          setupRequest: (req) => ({ ...req, body: body(n++ * 104729) }),
        },
      ],
    });
    const node1 = processCpuMs(server.child.pid!);
    const pg1 = cpuDb ? await backendCpu(cpuDb.db) : undefined;
    await cpuDb?.close();
    const done = ac.requests.total || 1;
    if (errors + ac.errors + ac.non2xx > 0) printServerErrors(kind, server.output());
    return {
      db: kind,
      seedS,
      laterP50: percentile(later, 50),
      laterP99: percentile(later, 99),
      nodeMs: node0 !== undefined && node1 !== undefined ? (node1 - node0) / done : null,
      pgMs: pg0 && pg1 ? cpuSince(pg0, pg1) / done : null,
      findings: opts.services * opts.perService,
      rate: opts.rate,
      achieved: total / elapsed,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      errors: errors + ac.errors + ac.non2xx,
      tput: ac.requests.average,
      tp50: ac.latency.p50,
      tp99: ac.latency.p99,
    };
  } finally {
    await server?.stop();
    if (dbName && pgUrl) await dropDatabase(pgUrl, dbName);
  }
}

/** The server's error-level log lines (it runs at warn), so that an error the bench counts shows its cause. */
function printServerErrors(kind: string, output: string): void {
  const lines = output.split("\n").filter((l) => /"level":(50|60)\b|\b(ERROR|FATAL)\b/.test(l));
  for (const l of lines.slice(-5)) console.log(`[${kind}] server: ${l.slice(0, 4_000)}`);
}

/** The pure evaluation alone, on a service with 1,000 findings present at the commit. */
function pureEvaluation(): { median: number; p99: number } {
  const now = new Date();
  const input: GateInput = {
    now,
    stage: "production",
    commit: "a".repeat(40),
    artifact: null,
    findings: Array.from({ length: 1000 }, (_, i) => ({
      id: `fnd_${i}`,
      fingerprint: `fp${i}`,
      severity: pickSeverity(i),
      riskArea: 3,
      kind: "dependency",
      ruleId: `CVE-2024-${i}`,
      title: `finding ${i}`,
      vulnerabilityId: `CVE-2024-${i}`,
      aliases: [],
      firstSeenAt: new Date(now.getTime() - (i % 200) * 86_400_000),
      packageName: `pkg-${i % 400}`,
      packageVersion: "1.0.0",
      fixedVersions: ["1.0.1"],
      file: null,
    })),
    waivers: Array.from({ length: 20 }, (_, i) => ({
      id: `wvr_${i}`,
      match: { type: "vulnerability" as const, value: `CVE-2024-${i * 3}` },
      kind: "waiver" as const,
      reason: "r",
      expiresAt: new Date(now.getTime() + 86_400_000),
    })),
    evidence: [
      {
        scanId: "scan_1",
        tool: "x",
        kinds: ["sast", "sca", "secrets"],
        status: "complete",
        receivedAt: now,
        scannedAt: now,
        scannerDbBuiltAt: now,
        artifact: null,
      },
    ],
    previousStage: { stage: "test", decision: null },
    scorecardGrade: null,
  };
  const policy = defaultPolicyFor("production", "test");
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    decideGate(input, policy);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times.slice(200), 50), p99: percentile(times.slice(200), 99) };
}

export const benchmark: Benchmark = {
  description: "POST /api/v1/gate over HTTP with 1,000 services and 1,000,000 findings (latency at 200 req/s, throughput)",
  run: async (args) => {
    const flags = parseFlags(args);
    const size = (flag: string, envName: string, dflt: number) => Number(flags.get(flag) ?? process.env[envName] ?? dflt);
    const opts = {
      services: size("services", "BENCH_GATE_SERVICES", 1000),
      perService: size("findings-per-service", "BENCH_GATE_FINDINGS", 1000),
      rate: size("rate", "BENCH_GATE_RATE", 200),
      seconds: size("seconds", "BENCH_GATE_SECONDS", 20),
      nothingKept: flags.has("nothing-kept"),
    };
    console.log(`load average before: ${loadavg()}`);
    const pure = pureEvaluation();
    console.log(
      `pure evaluation of 1,000 findings: median ${pure.median.toFixed(2)} ms, p99 ${pure.p99.toFixed(2)} ms (target: well under 10 ms)`,
    );
    // --db=none: the in-process profile only.
    const dbs = (flags.get("db") ?? process.env.BENCH_DB ?? "postgres")
      .split(",")
      .filter((d) => d === "postgres" || d === "pglite");
    const pg = await findPostgres();
    if (pg.url && !flags.has("no-profile")) {
      const input: GateProfileInput = {
        pgUrl: pg.url,
        services: Math.min(opts.services, 100),
        perService: opts.perService,
        requests: Number(flags.get("profile-requests") ?? 300),
      };
      const prof = await runInChild<GateProfileResult>(
        path.join(import.meta.dirname, "lib/gate-profile.ts"),
        "profileGate",
        input,
      );
      console.log(`\n## One gate request, in process (PostgreSQL, no HTTP), mean of ${prof.requests}\n`);
      console.log(
        table(
          ["phase", "ms", "calls"],
          prof.phases.filter((p) => p.ms >= 0.01).map((p) => [p.label, p.ms.toFixed(3), p.calls.toFixed(1)]),
        ),
      );
      console.log(
        `\ntotal ${prof.totalMs.toFixed(2)} ms per request; ${prof.statements.toFixed(1)} statements; answer ${int(prof.responseBytes)} bytes; ` +
          `stored answer ${int(prof.storedResponseBytes)} bytes; one ECDSA P-256 DSSE signature ${prof.signMs.toFixed(3)} ms`,
      );
    }
    const results: Result[] = [];
    for (const db of dbs) {
      if (db === "postgres" && !pg.url) {
        console.log(`postgres: skipped (${"reason" in pg ? pg.reason : ""})`);
        continue;
      }
      results.push(await benchOne(db as "pglite" | "postgres", opts, pg.url));
    }
    console.log("\n## Gate over HTTP\n");
    console.log(
      table(
        [
          "db",
          "findings",
          "seed s",
          "rate req/s",
          "achieved",
          "p50 ms",
          "p90 ms",
          "p99 ms",
          "after 1st pass p50 / p99",
          "errors",
          "max req/s (8 conn)",
          "p50",
          "p99",
          "CPU ms/req Node + PostgreSQL",
          "target p99 ≤ 50 ms @ 200/s",
        ],
        results.map((r) => [
          r.db,
          int(r.findings),
          r.seedS.toFixed(0),
          r.rate,
          r.achieved.toFixed(0),
          r.p50.toFixed(1),
          r.p90.toFixed(1),
          r.p99.toFixed(1),
          `${r.laterP50.toFixed(1)} / ${r.laterP99.toFixed(1)}`,
          r.errors,
          r.tput.toFixed(0),
          r.tp50.toFixed(0),
          r.tp99.toFixed(0),
          r.nodeMs === null ? "–" : `${r.nodeMs.toFixed(1)} + ${r.pgMs === null ? "–" : r.pgMs.toFixed(1)}`,
          r.db === "postgres" ? (r.p99 <= 50 ? "met" : "MISSED") : "(PostgreSQL target)",
        ]),
      ),
    );
    console.log(`\npure evaluation: median ${pure.median.toFixed(2)} ms, p99 ${pure.p99.toFixed(2)} ms`);
    console.log(`load average after: ${loadavg()}`);
  },
};
