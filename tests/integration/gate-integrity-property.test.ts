// The gate's one promise, as a property: at a given commit, the answer never turns from block to allow except by a
// waiver a second person approved (or a policy change, which these sequences never make). Random sequences of uploads
// (any tool name, subset of findings, artifact, empty rescans, uploads of other commits), waiver requests, approvals
// by the requester (refused) and by security, and gate calls, checked against a model. Fixed seed, bounded runs.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as gateRoute from "@/app/api/v1/gate/route";
import * as scansRoute from "@/app/api/v1/scans/route";
import type { Actor, ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { approveWaiver, createWaiver } from "@/server/gate/waivers";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { createToken } from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, uniqueSlug } from "@/tests/helpers/fixtures";

type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;
const base = "http://localhost";
const ARTIFACTS = [null, `sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`] as const;
type Artifact = (typeof ARTIFACTS)[number];

/** The finding pool: three critical vulnerabilities and one secret. */
const POOL = [
  { key: "CVE-2024-1001", kind: "dependency", pkg: "alpha" },
  { key: "CVE-2024-1002", kind: "dependency", pkg: "beta" },
  { key: "CVE-2024-1003", kind: "dependency", pkg: "gamma" },
  { key: "aws-access-token", kind: "secret", pkg: "" },
] as const;
type PoolKey = (typeof POOL)[number]["key"];

const finding = (p: (typeof POOL)[number]) =>
  p.kind === "secret"
    ? { kind: "secret", ruleId: p.key, title: "AWS key", severity: "high", file: "config/.env", secret: "AKIAIOSFODNN7EXAMPLE" }
    : {
        kind: "dependency",
        ruleId: p.key,
        title: `${p.key} in ${p.pkg}`,
        severity: "critical",
        vulnerabilityId: p.key,
        package: { purl: `pkg:npm/${p.pkg}@1.0.0`, name: p.pkg, version: "1.0.0" },
      };

type Op =
  | { op: "upload"; tool: string; keys: PoolKey[]; artifact: Artifact; otherCommit: boolean }
  | { op: "request"; key: PoolKey }
  | { op: "approveOwn" }
  | { op: "approve" }
  | { op: "gate"; artifact: Artifact };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("upload" as const),
      tool: fc.constantFrom("trivy", "grype", "gitleaks", "trivy-renamed"),
      keys: fc.subarray(POOL.map((p) => p.key)),
      artifact: fc.constantFrom(...ARTIFACTS),
      otherCommit: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("request" as const), key: fc.constantFrom(...POOL.map((p) => p.key)) }) },
  { weight: 1, arbitrary: fc.constant({ op: "approveOwn" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "approve" as const }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("gate" as const), artifact: fc.constantFrom(...ARTIFACTS) }) },
);

describeEachDatabase("gate integrity, as a property", (t) => {
  let token = "";
  let team = "";
  let teamId = "";
  let run = 0;

  beforeAll(async () => {
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    team = uniqueSlug("prop");
    teamId = (await createTeam(t.ctx(), { slug: team })).id;
    token = (await createToken(t.ctx(), { team, scopes: ["scans:write", "gate:evaluate"] })).token;
  });
  afterAll(() => setRuntime(undefined));

  const post = async (handler: unknown, path: string, body: string) => {
    const res = await (handler as Handler)(
      new Request(`${base}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      }),
      { params: Promise.resolve({}) },
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("never turns block into allow at a commit except through a waiver another person approved", async () => {
    const developer: Actor = { type: "user", id: "usr_dev", label: "dev@example.com", role: "developer", teamIds: [teamId] };
    const security: Actor = { type: "user", id: "usr_sec", label: "sec@example.com", role: "security", teamIds: [] };
    const as = (actor: Actor): ServiceContext => ({ ...t.ctx(), actor });

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 12 }), async (ops) => {
        const svc = `prop-${++run}-${t.kind}`;
        await createService(t.ctx(), { team, slug: svc });
        const commit = sha(`${svc}-c`);
        const other = sha(`${svc}-o`);
        const evidence = generic("evidence", [], { evidence: ["sast", "sca", "secrets"] });
        expect((await post(scansRoute.POST, `/api/v1/scans?service=${svc}&commit=${commit}`, evidence)).status).toBe(201);

        // The model: what each artifact's scans reported at the commit, and which keys approved waivers cover.
        const reported = new Map<Artifact, Set<PoolKey>>(ARTIFACTS.map((a) => [a, new Set()]));
        // An artifact digest names immutable content: its scans under any commit are evidence about it.
        const reportedElsewhere = new Map<Artifact, Set<PoolKey>>(ARTIFACTS.map((a) => [a, new Set()]));
        const waived = new Set<PoolKey>();
        const pending: { id: string; key: PoolKey }[] = [];
        let previous: "allow" | "block" | null = null;
        let waiverSinceBlock = false;

        for (const o of ops) {
          if (o.op === "upload") {
            const q = new URLSearchParams({ service: svc, commit: o.otherCommit ? other : commit, scanner: o.tool });
            if (o.artifact) q.set("artifact", o.artifact);
            const body = generic(
              "scanner",
              o.keys.map((k) => finding(POOL.find((p) => p.key === k)!)),
              { evidence: ["sca", "secrets"] },
            );
            const r = await post(scansRoute.POST, `/api/v1/scans?${q}`, body);
            expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
            if (!o.otherCommit) for (const k of o.keys) reported.get(o.artifact)!.add(k);
            else if (o.artifact) for (const k of o.keys) reportedElsewhere.get(o.artifact)!.add(k);
          } else if (o.op === "request") {
            const type = o.key.startsWith("CVE-") ? "vulnerability" : "rule";
            const w = await createWaiver(as(developer), {
              service: svc,
              match: { type, value: o.key },
              reason: "accepted for this property test",
              expiresInDays: 10,
            });
            pending.push({ id: w.id, key: o.key });
          } else if (o.op === "approveOwn") {
            const w = pending[0];
            if (!w) continue;
            // The requester cannot approve their own waiver: nothing changes.
            await expect(approveWaiver(as(developer), w.id)).rejects.toBeInstanceOf(DomainError);
          } else if (o.op === "approve") {
            const w = pending.shift();
            if (!w) continue;
            await approveWaiver(as(security), w.id);
            waived.add(w.key);
            waiverSinceBlock = true;
          } else {
            const q = JSON.stringify({ service: svc, stage: "test", commit, ...(o.artifact ? { artifact: o.artifact } : {}) });
            const r = await post(gateRoute.POST, "/api/v1/gate", q);
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            const decision = r.body.decision as "allow" | "block";
            // Within the binding: unbound scans, and the requested artifact's (every scan when none is requested);
            // a requested artifact's scans under other commits count too.
            const counted = new Set<PoolKey>();
            for (const [a, keys] of reported)
              if (o.artifact === null || a === null || a === o.artifact) for (const k of keys) counted.add(k);
            if (o.artifact) for (const k of reportedElsewhere.get(o.artifact)!) counted.add(k);
            const open = [...counted].filter((k) => !waived.has(k));
            expect(decision, `ops ${JSON.stringify(ops)}`).toBe(open.length > 0 ? "block" : "allow");
            if (previous === "block" && decision === "allow" && o.artifact === null) expect(waiverSinceBlock).toBe(true);
            if (o.artifact === null) {
              if (decision === "block") waiverSinceBlock = false;
              previous = decision;
            }
          }
        }
      }),
      { seed: 20261206, numRuns: 25, endOnFailure: true },
    );
  });
});
