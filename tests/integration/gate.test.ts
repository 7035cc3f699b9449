// The promotion gate on a real database: default policies flipping from block to allow, waivers and their
// expiry, the previous-stage rule, artifact binding, immutable decisions and bypass detection.
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, gateDecisions } from "@/db/schema";
import type { ServiceContext } from "@/server/context";
import { recordDeployment } from "@/server/gate/deployments";
import { evaluateGateRequest, getDecision, type GateDecision } from "@/server/gate/evaluate-gate";
import { getPolicy, parsePolicyText, setPolicy } from "@/server/gate/policies";
import { approveWaiver, createWaiver, revokeWaiver } from "@/server/gate/waivers";
import { describeEachDatabase } from "@/tests/helpers/db";
import { rootMessage } from "@/tests/helpers/errors";
import { codeFinding, GATED_WORKFLOW, generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { sampleText } from "@/tests/helpers/samples";

const DAY = 86_400_000;
const ALL = ["scans:write", "gate:evaluate", "deployments:write", "waivers:write", "read"] as const;
const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;

const vuln = (id: string, severity: string, pkg = "lodash", version = "4.17.15", fixed = "4.17.21") => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in ${pkg}`,
  severity,
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: pkg, version, fixedVersions: [fixed] },
});
const sast = codeFinding;

const check = (d: GateDecision, id: string) => d.checks.find((c) => c.id === id);
const failing = (d: GateDecision) => d.checks.filter((c) => c.status === "fail").map((c) => c.id);

describeEachDatabase("gate", (t) => {
  let clock = new Date("2026-11-20T12:00:00Z");
  const now = () => clock;
  let ctx: ServiceContext;
  let reviewer: ServiceContext;

  async function world() {
    const { service, team } = await teamWithService(t.ctx({ now }));
    const tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
    return { svc: service.slug, team: team.slug, tok };
  }

  /** The evidence the default policies ask for: SAST, SCA, a secret scan and the pipeline definition, all clean. */
  async function cleanEvidence(c: ServiceContext, svc: string, commit: string, extra: { artifact?: string } = {}) {
    await upload(c, { service: svc, commit, ...extra }, generic("semgrep", [], { evidence: ["sast"] }));
    await upload(c, { service: svc, commit, ...extra }, generic("trivy", [], { evidence: ["sca"] }));
    await upload(c, { service: svc, commit, ...extra }, generic("gitleaks", [], { evidence: ["secrets"] }));
    // The pipeline definition: production asks for its posture evidence.
    await upload(c, { service: svc, commit, path: ".github/workflows/ship.yml", ...extra }, GATED_WORKFLOW);
  }

  beforeAll(async () => {
    ctx = t.ctx({ now, actor: { type: "cli", label: "cli:security-lead" } });
    // Approval is a person's: a signed-in security reviewer.
    reviewer = t.ctx({ now, actor: { type: "user", id: "usr_ciso", label: "ciso@example.com", role: "security", teamIds: [] } });
  });

  it("test (default): blocks a critical finding, allows once it is fixed", async () => {
    const { svc, tok } = await world();
    const c1 = sha("t1");
    await upload(
      tok,
      { service: svc, commit: c1 },
      generic("trivy", [vuln("CVE-2021-23337", "critical")], { evidence: ["sca"] }),
    );
    await upload(tok, { service: svc, commit: c1 }, generic("semgrep", [sast("js/xss", "medium")], { evidence: ["sast"] }));
    await upload(tok, { service: svc, commit: c1 }, generic("gitleaks", [], { evidence: ["secrets"] }));
    const blocked = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c1 });
    expect(blocked.decision).toBe("block");
    expect(failing(blocked)).toEqual(["max-findings:critical"]);
    const crit = check(blocked, "max-findings:critical")!;
    expect(crit.actual).toBe(1);
    expect(crit.threshold).toBe(0);
    expect(crit.findings).toHaveLength(1);
    expect(crit.remediation).toMatch(/lodash 4\.17\.15 → 4\.17\.21/);
    expect(blocked.policy.version).toBe(1);
    expect(blocked.evidence).toHaveLength(3);
    expect(blocked.url).toContain(`/decisions/${blocked.decisionId}`);

    const c2 = sha("t2");
    await upload(tok, { service: svc, commit: c2 }, generic("trivy", [], { evidence: ["sca"] }));
    await upload(tok, { service: svc, commit: c2 }, generic("semgrep", [sast("js/xss", "medium")], { evidence: ["sast"] }));
    await upload(tok, { service: svc, commit: c2 }, generic("gitleaks", [], { evidence: ["secrets"] }));
    const allowed = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c2 });
    expect(allowed.decision).toBe("allow");
    expect(failing(allowed)).toEqual([]);
  });

  it("test (default): blocks a leaked secret and missing evidence; uploading the evidence flips it", async () => {
    const { svc, tok } = await world();
    const c = sha("s1");
    await upload(tok, { service: svc, commit: c }, sampleText("gitleaks/defectdojo__gitleaks__gitleaks8_many.json"));
    const first = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(first.decision).toBe("block");
    expect(failing(first)).toEqual(expect.arrayContaining(["no-secrets", "evidence:sast", "evidence:sca-or-sbom"]));
    expect(check(first, "evidence:sast")!.remediation).toMatch(/sast/i);

    const c2 = sha("s2");
    await cleanEvidence(tok, svc, c2);
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c2 })).decision).toBe("allow");
  });

  it("a failed scan never counts as evidence", async () => {
    const { svc, tok } = await world();
    const c = sha("f1");
    await upload(tok, { service: svc, commit: c }, generic("semgrep", [], { evidence: ["sast"] }));
    await upload(tok, { service: svc, commit: c }, generic("gitleaks", [], { evidence: ["secrets"] }));
    const npmError = JSON.stringify({
      message: "405 Method Not Allowed",
      error: { code: "E405", summary: "405 Method Not Allowed" },
    });
    const failed = await upload(tok, { service: svc, commit: c }, npmError);
    expect(failed.scan.status).toBe("failed");
    const d = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(d.decision).toBe("block");
    expect(failing(d)).toEqual(["evidence:sca-or-sbom"]);
  });

  it("a waiver turns block into allow, is listed in the decision, and stops applying when it expires", async () => {
    const { svc, tok } = await world();
    const c = sha("w1");
    await cleanEvidence(tok, svc, c);
    await upload(
      tok,
      { service: svc, commit: c },
      generic("grype", [vuln("CVE-2024-0001", "critical", "openssl", "3.0.1", "3.0.9")], { evidence: ["sca"] }),
    );
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("block");

    // A token asks; a security reviewer approves. A token never approves, nor does an operator without a person.
    const pending = await createWaiver(tok, {
      service: svc,
      match: { type: "vulnerability", value: "CVE-2024-0001" },
      reason: "Not reachable: openssl is only used by the build image.",
      expiresInDays: 7,
    });
    expect(pending.status).toBe("pending");
    await expect(approveWaiver(tok, pending.id)).rejects.toMatchObject({ code: "forbidden" });
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("block");
    await expect(approveWaiver(ctx, pending.id)).rejects.toMatchObject({ code: "forbidden" });
    const approved = await approveWaiver(reviewer, pending.id);
    expect(approved).toMatchObject({
      status: "active",
      approvedBy: "ciso@example.com",
      createdBy: expect.stringMatching(/^token:gth_/),
    });

    const allowed = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(allowed.decision).toBe("allow");
    expect(allowed.waiversApplied).toEqual([expect.objectContaining({ id: pending.id, reason: pending.reason, kind: "waiver" })]);

    // Eight days later it has expired by itself.
    const saved = clock;
    clock = new Date(saved.getTime() + 8 * DAY);
    try {
      const later = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
      expect(later.decision).toBe("block");
      expect(later.waiversApplied).toEqual([]);
    } finally {
      clock = saved;
    }
  });

  it("waivers refuse a missing expiry, an expiry past the maximum, and a short reason", async () => {
    const { svc, tok } = await world();
    const base = {
      service: svc,
      match: { type: "rule" as const, value: "js/xss" },
      reason: "Rendered by a sanitizing template engine.",
    };
    await expect(createWaiver(tok, base)).rejects.toThrow(/expir/);
    await expect(createWaiver(tok, { ...base, expiresInDays: 120 })).rejects.toMatchObject({ code: "bad_request" });
    await expect(createWaiver(tok, { ...base, reason: "ok", expiresInDays: 5 })).rejects.toThrow(/10 characters/);
  });

  it("a false positive lasts at most a year, and security staff can revoke it", async () => {
    const { svc, tok } = await world();
    const c = sha("fp1");
    await cleanEvidence(tok, svc, c);
    const r = await upload(
      tok,
      { service: svc, commit: c },
      generic("semgrep", [sast("hardcoded-password", "critical")], { evidence: ["sast"] }),
    );
    expect(r.statistics.findings).toBe(1);
    const fp = await createWaiver(ctx, {
      service: svc,
      match: { type: "rule", value: "hardcoded-password" },
      kind: "false_positive",
      reason: "Test fixture, not a credential.",
    });
    expect(Date.parse(fp.expiresAt!) - clock.getTime()).toBe(365 * DAY);
    await expect(
      createWaiver(ctx, {
        service: svc,
        match: { type: "rule", value: "hardcoded-password" },
        kind: "false_positive",
        reason: fp.reason,
        expiresInDays: 366,
      }),
    ).rejects.toThrow(/365 days/);
    await approveWaiver(reviewer, fp.id);
    const saved = clock;
    clock = new Date(saved.getTime() + 300 * DAY);
    try {
      expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("allow");
      clock = new Date(saved.getTime() + 366 * DAY);
      expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("block");
      clock = new Date(saved.getTime() + 300 * DAY);
      await revokeWaiver(reviewer, fp.id);
      expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("block");
    } finally {
      clock = saved;
    }
  });

  it("production (default) needs a test pass for the same commit and artifact, fresh evidence and no SLA breach", async () => {
    const { svc, tok } = await world();
    const c = sha("p1");
    await cleanEvidence(tok, svc, c, { artifact: DIGEST_A });
    const noTest = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c, artifact: DIGEST_A });
    expect(noTest.decision).toBe("block");
    expect(failing(noTest)).toEqual(["previous-stage:test"]);
    expect(check(noTest, "previous-stage:test")!.remediation).toMatch(/test/);

    const test = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c, artifact: DIGEST_A });
    expect(test.decision).toBe("allow");
    const prod = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c, artifact: DIGEST_A });
    expect(prod.decision).toBe("allow");
    // A test pass for another artifact does not count.
    const other = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c, artifact: DIGEST_B });
    expect(failing(other)).toContain("previous-stage:test");

    // Ten days later the evidence is stale.
    const saved = clock;
    clock = new Date(saved.getTime() + 10 * DAY);
    try {
      const stale = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c, artifact: DIGEST_A });
      expect(stale.decision).toBe("block");
      expect(failing(stale)).toEqual(expect.arrayContaining(["evidence:sast", "evidence:secrets"]));
    } finally {
      clock = saved;
    }
  });

  it("production (default) blocks high findings past their SLA and a stale scanner database", async () => {
    const { svc, tok } = await world();
    const c0 = sha("sla0");
    const first = clock;
    await upload(tok, { service: svc, commit: c0 }, generic("semgrep", [sast("java/sqli", "medium")], { evidence: ["sast"] }));
    clock = new Date(first.getTime() + 100 * DAY);
    try {
      const c = sha("sla1");
      await cleanEvidence(tok, svc, c);
      await upload(tok, { service: svc, commit: c }, generic("semgrep", [sast("java/sqli", "medium")], { evidence: ["sast"] }));
      await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
      const d = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c });
      // Production also needs the artifact digest (the rule says why); this request names none.
      expect(failing(d)).toEqual(["sla", "artifact-required"]);
      expect(check(d, "artifact-required")!.message).toContain("No artifact digest given");
      expect(check(d, "sla")!.findings).toHaveLength(1);

      // A Grype report whose vulnerability database is 10 days older than the scan.
      const c2 = sha("db1");
      await cleanEvidence(tok, svc, c2);
      const grype = JSON.parse(sampleText("grype/defectdojo__anchore_grype__no_vuln.json")) as {
        descriptor?: { db?: Record<string, unknown> };
      };
      const built = new Date(clock.getTime() - 10 * DAY).toISOString();
      grype.descriptor = {
        ...(grype.descriptor ?? {}),
        name: "grype",
        version: "0.74.0",
        db: { built, schemaVersion: 5 },
      } as never;
      const g = await upload(tok, { service: svc, commit: c2 }, JSON.stringify(grype));
      expect(g.scan.scannerDbBuiltAt).toBe(built);
      await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c2 });
      const stale = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c2 });
      expect(failing(stale)).toContain("scanner-db-age");
    } finally {
      clock = first;
    }
  });

  it("binds container evidence to the artifact digest", async () => {
    const { svc, tok } = await world();
    const c = sha("a1");
    await setPolicy(ctx, "dev", {
      rules: { requiredEvidence: [{ kind: "container", mode: "fail" }], artifactBinding: { mode: "fail" } },
    });
    try {
      await upload(
        tok,
        { service: svc, commit: c, artifact: DIGEST_A },
        generic("trivy", [], { evidence: ["sca", "container"] }),
      );
      expect((await evaluateGateRequest(tok, { service: svc, stage: "dev", commit: c, artifact: DIGEST_A })).decision).toBe(
        "allow",
      );
      const wrong = await evaluateGateRequest(tok, { service: svc, stage: "dev", commit: c, artifact: DIGEST_B });
      expect(wrong.decision).toBe("block");
      expect(failing(wrong)).toEqual(expect.arrayContaining(["evidence:container", "artifact-binding"]));
    } finally {
      await setPolicy(ctx, "dev", (await getPolicy(ctx, "dev", 1)).document);
    }
  });

  it("dev (default) only warns", async () => {
    const { svc, tok } = await world();
    const c = sha("d1");
    await upload(tok, { service: svc, commit: c }, generic("trivy", [vuln("CVE-2023-9999", "critical")], { evidence: ["sca"] }));
    const d = await evaluateGateRequest(tok, { service: svc, stage: "dev", commit: c });
    expect(d.decision).toBe("allow");
    expect(d.checks.some((x) => x.status === "warn")).toBe(true);
  });

  it("validates policies with exact paths, versions them, and names the version in each decision", async () => {
    const bad = () => parsePolicyText("rules:\n  maxFindings:\n    - severity: extreme\n      max: -1\n", "application/yaml");
    try {
      bad();
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe("unprocessable");
      const paths = ((e as { extra: { errors: { path: string }[] } }).extra.errors ?? []).map((x) => x.path);
      expect(paths).toEqual(expect.arrayContaining(["rules.maxFindings[0].severity", "rules.maxFindings[0].max"]));
    }
    await expect(setPolicy(ctx, "test", { rules: { maxFindngs: [] } })).rejects.toMatchObject({ code: "unprocessable" });
    await expect(setPolicy(ctx, "no-such-stage", { rules: {} })).rejects.toMatchObject({ code: "not_found" });

    const { svc, tok } = await world();
    const c = sha("v1");
    await cleanEvidence(tok, svc, c);
    await upload(tok, { service: svc, commit: c }, generic("semgrep", [sast("x", "high")], { evidence: ["sast"] }));
    const before = await getPolicy(ctx, "test");
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("allow");
    const strict = parsePolicyText(
      JSON.stringify({
        ...before.document,
        rules: { ...before.document.rules, maxFindings: [{ severity: "high", max: 0, mode: "fail" }] },
      }),
    );
    const next = await setPolicy(ctx, "test", strict, "block highs in test");
    expect(next.version).toBe(before.version + 1);
    const d = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(d.decision).toBe("block");
    expect(d.policy).toEqual({ id: next.id, version: next.version });
    const [audit] = await t
      .db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "policy.update"), eq(auditEvents.targetId, next.id)));
    expect(audit).toMatchObject({ actorLabel: "cli:security-lead" });
    await setPolicy(ctx, "test", before.document, "restore");
  });

  it("keeps decisions exactly as given: no update, no delete", async () => {
    const { svc, tok } = await world();
    const c = sha("i1");
    await cleanEvidence(tok, svc, c);
    const d = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(await getDecision(tok, d.decisionId)).toEqual(JSON.parse(JSON.stringify(d)));
    const refused = (e: unknown) => /append-only/.test(rootMessage(e));
    await expect(
      t.db().update(gateDecisions).set({ decision: "block" }).where(eq(gateDecisions.id, d.decisionId)),
    ).rejects.toSatisfy(refused);
    await expect(t.db().delete(gateDecisions).where(eq(gateDecisions.id, d.decisionId))).rejects.toSatisfy(refused);
    await expect(t.db().execute(sql`truncate gate_decisions cascade`)).rejects.toSatisfy(refused);
    expect((await getDecision(tok, d.decisionId)).decision).toBe("allow");
  });

  it("records a deployment without an allow decision as a gate bypass, in the audit log", async () => {
    const { svc, tok } = await world();
    const c = sha("b1");
    const bypass = await recordDeployment(tok, { service: svc, stage: "production", commit: c, artifact: DIGEST_A });
    expect(bypass.bypass).toBe(true);
    expect(bypass.bypassReason).toMatch(/no allow decision/);
    const [event] = await t.db().select().from(auditEvents).where(eq(auditEvents.targetId, bypass.id));
    expect(event!.action).toBe("deployment.bypass");

    await cleanEvidence(tok, svc, c, { artifact: DIGEST_A });
    const allowed = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c, artifact: DIGEST_A });
    expect(allowed.decision).toBe("allow");
    const ok = await recordDeployment(tok, {
      service: svc,
      stage: "test",
      commit: c,
      artifact: DIGEST_A,
      decisionId: allowed.decisionId,
    });
    expect(ok).toMatchObject({ bypass: false, decisionId: allowed.decisionId });
    // The allow was for another artifact: a bypass.
    const wrong = await recordDeployment(tok, { service: svc, stage: "test", commit: c, artifact: DIGEST_B });
    expect(wrong.bypass).toBe(true);
  });

  describe("authorization", () => {
    it("needs gate:evaluate, and hides other teams' services", async () => {
      const { svc, team } = await world();
      const scansOnly = await tokenContext(t.ctx({ now }), { team, scopes: ["scans:write"] });
      await expect(evaluateGateRequest(scansOnly, { service: svc, stage: "test", commit: sha(1) })).rejects.toMatchObject({
        code: "forbidden",
      });
      const other = await world();
      await expect(evaluateGateRequest(other.tok, { service: svc, stage: "test", commit: sha(1) })).rejects.toMatchObject({
        code: "not_found",
      });
      await expect(
        evaluateGateRequest(other.tok, { service: other.svc, stage: "staging-x", commit: sha(1) }),
      ).rejects.toMatchObject({ code: "not_found" });
    });
  });
});
