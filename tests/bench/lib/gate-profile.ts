// Where one gate request spends its time, in process (no HTTP): the route's handler (token, rate limit, body,
// verb) called with a Request against a seeded PostgreSQL database, with every statement timed (profile.ts).
// Run by gate.ts as a child worker so that its module state (caches, signing key) is its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql as dsql } from "drizzle-orm";
import postgres from "postgres";
import { queryRows } from "@/db/client";
import { withDatabase } from "@/tests/helpers/postgres";
import { configureSigning } from "@/server/attestation/signing-key";
import { initSigning } from "@/server/attestation/signing-keys";
import { setRuntime } from "@/server/runtime";
import { createTeam } from "@/server/teams/teams";
import { createToken } from "@/server/tokens/tokens";
import { openBenchDatabase } from "./db";
import { instrument, PhaseRecorder, type Phase } from "./profile";
import { gateCommit, gateServiceSlug, seedGate } from "./seed-gate";

export type GateProfileInput = { pgUrl: string; services: number; perService: number; requests: number };
export type GateProfileResult = {
  phases: Phase[];
  requests: number;
  totalMs: number;
  statements: number;
  responseBytes: number;
  storedResponseBytes: number;
  signMs: number;
};

export async function profileGate(input: GateProfileInput): Promise<GateProfileResult> {
  const keyDir = mkdtempSync(path.join(tmpdir(), "gatehouse-bench-key-"));
  configureSigning({ file: path.join(keyDir, "signing-key.pem"), shared: false });
  process.env.GATEHOUSE_API_RATE_PER_MINUTE = "1000000";
  process.env.GATEHOUSE_LOG_LEVEL = "warn";
  const bench = await openBenchDatabase("postgres", input.pgUrl);
  try {
    await initSigning(bench.db);
    const rec = new PhaseRecorder();
    const sys = { db: bench.db, actor: { type: "system" as const, label: "bench" }, now: () => new Date() };
    const team = await createTeam({ ...sys, actor: { type: "system", label: "bench" } }, { slug: "bench" });
    const { token } = await createToken(sys, { team: "bench", scopes: ["scans:write", "gate:evaluate"] });
    const raw = postgres(withDatabase(input.pgUrl, bench.location.split("/").at(-1)!), { max: 1, onnotice: () => {} });
    await seedGate(raw, { services: input.services, perService: input.perService, teamId: team.id, now: new Date() });
    await raw.end();

    setRuntime({
      db: instrument(bench.db, rec),
      kind: "postgres",
      describe: "bench",
      startedAt: new Date(),
      publicUrl: "http://bench",
    });
    const { POST } = await import("@/app/api/v1/gate/route");
    const call = async (i: number) => {
      const s = i % input.services;
      const res = await POST(
        new Request("http://bench/api/v1/gate", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ service: gateServiceSlug(s), stage: "test", commit: gateCommit(s) }),
        }),
        { params: Promise.resolve({}) },
      );
      const text = await res.text();
      if (res.status !== 200) throw new Error(`gate answered ${res.status}: ${text}`);
      return text;
    };
    for (let i = 0; i < 30; i++) await call(i * 7919); // warm up
    const totals = new Map<string, Phase>();
    let responseBytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < input.requests; i++) {
      rec.begin();
      responseBytes += (await call(i * 104729)).length;
      rec.end();
      for (const p of rec.phases()) {
        const t = totals.get(p.label) ?? { ...p, ms: 0, calls: 0 };
        t.ms += p.ms;
        t.calls += p.calls;
        totals.set(p.label, t);
      }
    }
    const totalMs = performance.now() - t0;
    const [stored] = await queryRows<{ n: number }>(
      bench.db,
      dsql`select avg(octet_length(response::text))::int as n from gate_decisions`,
    );
    const { signCost } = await import("./sign-cost");
    return {
      phases: [...totals.values()].map((p) => ({ ...p, ms: p.ms / input.requests, calls: p.calls / input.requests })),
      requests: input.requests,
      totalMs: totalMs / input.requests,
      statements: [...totals.values()].filter((p) => p.sql).reduce((n, p) => n + p.calls, 0) / input.requests,
      responseBytes: responseBytes / input.requests,
      storedResponseBytes: Number(stored?.n ?? 0),
      signMs: signCost(),
    };
  } finally {
    setRuntime(undefined);
    await bench.close();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

export const workers = { profileGate };
