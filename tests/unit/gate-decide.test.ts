import { describe, expect, it } from "vitest";
import { decideGate } from "@/server/gate/decide";
import { DEFAULT_POLICIES, policySchema, type Policy, type PolicyInput } from "@/server/gate/policy";
import type { GateCheck, GateEvidence, GateFinding, GateInput, GateWaiver } from "@/server/gate/types";

const DAY = 86_400_000;
const NOW = new Date("2025-06-01T12:00:00.000Z");
const COMMIT = "4f2c9a1e0b7d3c5a8e6f1b2d4c9a0e7f3b5d8c1a";
const ARTIFACT = "sha256:aaaa";
const OTHER_ARTIFACT = "sha256:bbbb";
const ago = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY - extraMs);

let seq = 0;
function finding(over: Partial<GateFinding> = {}): GateFinding {
  seq += 1;
  return {
    id: `fnd_${String(seq).padStart(3, "0")}`,
    fingerprint: `fp${seq}`,
    severity: "high",
    riskArea: 1,
    kind: "code",
    ruleId: "js.xss",
    title: "Cross-site scripting",
    vulnerabilityId: null,
    aliases: [],
    firstSeenAt: ago(1),
    packageName: null,
    packageVersion: null,
    fixedVersions: [],
    file: "src/app.ts",
    ...over,
  };
}

const lodash = (over: Partial<GateFinding> = {}) =>
  finding({
    severity: "critical",
    riskArea: 3,
    kind: "dependency",
    ruleId: "CVE-2021-23337",
    title: "Command injection in lodash",
    vulnerabilityId: "CVE-2021-23337",
    aliases: ["GHSA-35jh-r3h4-6jhm"],
    packageName: "lodash",
    packageVersion: "4.17.15",
    fixedVersions: ["4.17.21"],
    file: null,
    ...over,
  });

const secret = (over: Partial<GateFinding> = {}) =>
  finding({ severity: "high", riskArea: 4, kind: "secret", ruleId: "aws-access-token", title: "AWS key", file: ".env", ...over });

function scan(over: Partial<GateEvidence> = {}): GateEvidence {
  const receivedAt = over.receivedAt ?? ago(1);
  return {
    scanId: "scn_sast",
    tool: "semgrep",
    kinds: ["sast"],
    status: "complete",
    receivedAt,
    // The scan ran when it was uploaded unless a test says otherwise.
    scannedAt: receivedAt,
    scannerDbBuiltAt: null,
    artifact: null,
    ...over,
  };
}

const waiver = (match: GateWaiver["match"], over: Partial<GateWaiver> = {}): GateWaiver => ({
  id: "wvr_1",
  match,
  kind: "waiver",
  reason: "not reachable",
  expiresAt: ago(-30),
  ...over,
});

function input(over: Partial<GateInput> = {}): GateInput {
  return {
    now: NOW,
    stage: "test",
    commit: COMMIT,
    artifact: null,
    findings: [],
    waivers: [],
    evidence: [],
    previousStage: null,
    scorecardGrade: null,
    ...over,
  };
}

const policy = (rules: PolicyInput["rules"]): Policy => policySchema.parse({ rules });

function only(result: ReturnType<typeof decideGate>): GateCheck {
  expect(result.checks).toHaveLength(1);
  return result.checks[0]!;
}

const run = (rules: PolicyInput["rules"], over: Partial<GateInput> = {}) => decideGate(input(over), policy(rules));

describe("waivers", () => {
  const rules = { maxFindings: [{ severity: "critical" as const, max: 0 }] };

  it("match by fingerprint", () => {
    const f = lodash({ fingerprint: "abc123" });
    const r = run(rules, { findings: [f], waivers: [waiver({ type: "fingerprint", value: "ABC123" })] });
    expect(r.decision).toBe("allow");
    expect(r.waiversApplied).toEqual(["wvr_1"]);
    expect(only(r).message).toBe("0 open critical findings (max 0; 1 waived).");
  });

  it("match by vulnerability id, case-insensitively", () => {
    const r = run(rules, { findings: [lodash()], waivers: [waiver({ type: "vulnerability", value: "cve-2021-23337" })] });
    expect(r.decision).toBe("allow");
    expect(r.waiversApplied).toEqual(["wvr_1"]);
  });

  it("match by any alias of the vulnerability", () => {
    const r = run(rules, { findings: [lodash()], waivers: [waiver({ type: "vulnerability", value: "ghsa-35JH-r3h4-6JHM" })] });
    expect(r.decision).toBe("allow");
  });

  it("match by rule id", () => {
    const f = finding({ severity: "critical", ruleId: "js.sqli" });
    expect(run(rules, { findings: [f], waivers: [waiver({ type: "rule", value: "js.sqli" })] }).decision).toBe("allow");
    expect(run(rules, { findings: [f], waivers: [waiver({ type: "rule", value: "js.xss" })] }).decision).toBe("block");
  });

  it("match a finding through a fingerprint merged into it, and every waiver that matches is reported", () => {
    const f = lodash({ fingerprint: "kept", mergedFingerprints: ["Absorbed"] });
    const r = run(rules, {
      findings: [f],
      waivers: [
        waiver({ type: "fingerprint", value: "absorbed" }, { id: "w_fp" }),
        waiver({ type: "rule", value: "CVE-2021-23337" }, { id: "w_rule" }),
        waiver({ type: "vulnerability", value: "GHSA-35jh-r3h4-6jhm" }, { id: "w_alias" }),
      ],
    });
    expect(r.decision).toBe("allow");
    expect(r.waiversApplied).toEqual(["w_alias", "w_fp", "w_rule"]);
  });

  it("do not match other findings", () => {
    const r = run(rules, {
      findings: [lodash()],
      waivers: [
        waiver({ type: "vulnerability", value: "CVE-2020-8203" }, { id: "w_vuln" }),
        waiver({ type: "fingerprint", value: "other" }, { id: "w_fp" }),
        waiver({ type: "rule", value: "" }, { id: "w_empty" }),
      ],
    });
    expect(r.decision).toBe("block");
    expect(r.waiversApplied).toEqual([]);
  });

  it("expire exactly at now, apply until then, and never expire when expiresAt is null", () => {
    const w = (expiresAt: Date | null) => [waiver({ type: "vulnerability", value: "CVE-2021-23337" }, { expiresAt })];
    expect(run(rules, { findings: [lodash()], waivers: w(NOW) }).decision).toBe("block");
    expect(run(rules, { findings: [lodash()], waivers: w(NOW) }).waiversApplied).toEqual([]);
    expect(run(rules, { findings: [lodash()], waivers: w(ago(1)) }).decision).toBe("block");
    expect(run(rules, { findings: [lodash()], waivers: w(new Date(NOW.getTime() + 1)) }).decision).toBe("allow");
    expect(run(rules, { findings: [lodash()], waivers: w(null) }).decision).toBe("allow");
  });

  it("lists only waivers that removed a finding, each once, sorted", () => {
    const a = lodash();
    const b = lodash({ vulnerabilityId: "CVE-2020-8203", aliases: [], ruleId: "CVE-2020-8203", fingerprint: "fp-b" });
    const r = run(rules, {
      findings: [a, b],
      waivers: [
        waiver({ type: "rule", value: "CVE-2020-8203" }, { id: "w_c" }),
        waiver({ type: "vulnerability", value: "CVE-2021-23337" }, { id: "w_b" }),
        waiver({ type: "fingerprint", value: a.fingerprint }, { id: "w_a", kind: "false_positive", expiresAt: null }),
        waiver({ type: "rule", value: "nothing" }, { id: "w_unused" }),
        waiver({ type: "rule", value: "CVE-2020-8203" }, { id: "w_expired", expiresAt: ago(2) }),
      ],
    });
    expect(r.decision).toBe("allow");
    expect(r.waiversApplied).toEqual(["w_a", "w_b", "w_c"]);
  });
});

describe("maxFindings", () => {
  it("passes at or under the max", () => {
    const c = only(run({ maxFindings: [{ severity: "critical", max: 1 }] }, { findings: [lodash(), finding()] }));
    expect(c).toMatchObject({
      id: "max-findings:critical",
      status: "pass",
      actual: 1,
      threshold: 1,
      findings: [],
      remediation: "",
    });
  });

  it("fails over the max, naming the findings and the fix", () => {
    const a = lodash();
    const b = lodash({ firstSeenAt: ago(3) });
    const r = run({ maxFindings: [{ severity: "critical", max: 0 }] }, { findings: [a, b, finding()] });
    expect(r.decision).toBe("block");
    const c = only(r);
    expect(c).toMatchObject({ id: "max-findings:critical", status: "fail", actual: 2, threshold: 0 });
    expect(c.message).toBe("2 open critical findings (max 0).");
    expect(c.findings).toEqual([b.id, a.id]);
    expect(c.remediation).toBe("Upgrade lodash 4.17.15 → 4.17.21 (CVE-2021-23337), or add a waiver with a reason and an expiry.");
  });

  it("warns in warn mode without blocking", () => {
    const r = run({ maxFindings: [{ severity: "critical", max: 0, mode: "warn" }] }, { findings: [lodash()] });
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
    expect(only(r).findings).toHaveLength(1);
  });

  it("counts findings at or above the severity, most severe first", () => {
    const crit = lodash();
    const high = finding({ severity: "high" });
    const medium = finding({ severity: "medium" });
    const c = only(run({ maxFindings: [{ severity: "high", max: 1 }] }, { findings: [medium, high, crit] }));
    expect(c).toMatchObject({ status: "fail", actual: 2, findings: [crit.id, high.id] });
    expect(c.message).toBe("2 open high-or-above findings (max 1).");
    expect(c.remediation).toBe(
      "Upgrade lodash 4.17.15 → 4.17.21 (CVE-2021-23337); fix rule js.xss in src/app.ts, or add a waiver with a reason and an expiry.",
    );
  });

  it("lists the most severe first, then the oldest, then by id", () => {
    const old = finding({ id: "fnd_z", severity: "high", firstSeenAt: ago(9) });
    const tieB = finding({ id: "fnd_b", severity: "high", firstSeenAt: ago(3) });
    const tieA = finding({ id: "fnd_a", severity: "high", firstSeenAt: ago(3) });
    const crit = lodash({ id: "fnd_y", firstSeenAt: ago(1) });
    const low = finding({ id: "fnd_0", severity: "low", firstSeenAt: ago(30) });
    const c = only(run({ maxFindings: [{ severity: "low", max: 0 }] }, { findings: [tieB, low, old, crit, tieA] }));
    expect(c.findings).toEqual(["fnd_y", "fnd_z", "fnd_a", "fnd_b", "fnd_0"]);
  });

  it("filters by risk area", () => {
    const r = run(
      {
        maxFindings: [
          { severity: "high", max: 0, area: 3 },
          { severity: "high", max: 0, area: 1 },
        ],
      },
      { findings: [lodash(), finding({ severity: "medium" })] },
    );
    expect(r.checks.map((c) => [c.id, c.status, c.actual])).toEqual([
      ["max-findings:high:area-3", "fail", 1],
      ["max-findings:high:area-1", "pass", 0],
    ]);
    expect(r.checks[0]?.message).toBe(
      "1 open high-or-above finding in risk area 3 (Vulnerable dependencies and images) (max 0).",
    );
  });

  it("caps the finding ids at 100 and the remediation at three items", () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      finding({ ruleId: `rule.${String(i).padStart(3, "0")}`, file: `src/f${i}.ts` }),
    );
    const c = only(run({ maxFindings: [{ severity: "high", max: 0 }] }, { findings: many }));
    expect(c.actual).toBe(120);
    expect(c.findings).toHaveLength(100);
    expect(c.remediation).toBe(
      "Fix rule rule.000 in src/f0.ts; fix rule rule.001 in src/f1.ts; fix rule rule.002 in src/f2.ts (+117 more), " +
        "or add a waiver with a reason and an expiry.",
    );
  });

  it("groups a package's vulnerabilities and suggests the fix that covers them all", () => {
    const findings = [
      lodash(),
      lodash({ severity: "high", vulnerabilityId: "CVE-2020-8203", aliases: [], fixedVersions: ["4.17.19", "3.10.2"] }),
      lodash({ severity: "high", vulnerabilityId: null, aliases: ["ghsa-29mw-wpgm-hmr9"], fixedVersions: ["4.17.16"] }),
      finding({
        severity: "high",
        kind: "dependency",
        riskArea: 3,
        packageName: "left-pad",
        packageVersion: "1.0.0",
        vulnerabilityId: "CVE-2099-0001",
        file: null,
      }),
      finding({ severity: "high", kind: "dast", ruleId: "10021", title: "Missing X-Content-Type-Options", file: null }),
    ];
    const c = only(run({ maxFindings: [{ severity: "high", max: 0 }] }, { findings }));
    expect(c.remediation).toBe(
      "Upgrade lodash 4.17.15 → 4.17.21 (CVE-2021-23337, CVE-2020-8203, GHSA-29mw-wpgm-hmr9); " +
        "replace or mitigate left-pad 1.0.0 (CVE-2099-0001; no fixed version is known); " +
        "fix rule 10021 (Missing X-Content-Type-Options), or add a waiver with a reason and an expiry.",
    );
  });
});

describe("noSecrets", () => {
  it("passes without secrets", () => {
    const c = only(run({ noSecrets: {} }, { findings: [lodash()] }));
    expect(c).toMatchObject({ id: "no-secrets", status: "pass", actual: 0, threshold: 0, message: "0 open secret findings." });
  });

  it("fails on an open secret, whatever its severity", () => {
    const s = secret({ severity: "low" });
    const r = run({ noSecrets: {} }, { findings: [s] });
    expect(r.decision).toBe("block");
    expect(only(r)).toMatchObject({ status: "fail", actual: 1, findings: [s.id], message: "1 open secret finding." });
    expect(only(r).remediation).toBe(
      "Revoke and rotate the secret found by rule aws-access-token in .env, then remove it, or add a waiver with a reason and an expiry.",
    );
  });

  it("warns in warn mode", () => {
    const r = run({ noSecrets: { mode: "warn" } }, { findings: [secret()] });
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
  });

  it("passes when the secret is waived as a false positive", () => {
    const s = secret();
    const r = run(
      { noSecrets: {} },
      {
        findings: [s],
        waivers: [waiver({ type: "fingerprint", value: s.fingerprint }, { kind: "false_positive", expiresAt: null })],
      },
    );
    expect(only(r)).toMatchObject({ status: "pass", message: "0 open secret findings (1 waived)." });
  });
});

describe("requiredEvidence", () => {
  it("passes with a complete scan of the kind", () => {
    const c = only(run({ requiredEvidence: [{ kind: "sast" }] }, { evidence: [scan({ receivedAt: ago(2) })] }));
    expect(c).toMatchObject({ id: "evidence:sast", status: "pass", actual: 2, threshold: null });
    expect(c.message).toBe("The newest SAST evidence (semgrep, scan scn_sast) is 2 days old.");
  });

  it("fails without one and says how to upload it", () => {
    const r = run({ requiredEvidence: [{ kind: "sast" }] }, { evidence: [scan({ kinds: ["secrets"], tool: "gitleaks" })] });
    expect(r.decision).toBe("block");
    expect(only(r)).toMatchObject({
      status: "fail",
      actual: null,
      message: "No complete scan of this commit provides SAST evidence.",
    });
    expect(only(r).remediation).toBe(`Upload a sast report for commit ${COMMIT} (e.g. \`gatehouse scan upload semgrep.sarif\`).`);
  });

  it("warns in warn mode", () => {
    const r = run({ requiredEvidence: [{ kind: "secrets", mode: "warn" }] }, {});
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
  });

  it("never counts failed scans", () => {
    const c = only(run({ requiredEvidence: [{ kind: "sast" }] }, { evidence: [scan({ status: "failed" })] }));
    expect(c.status).toBe("fail");
    expect(c.message).toBe("No complete scan of this commit provides SAST evidence (1 failed scan does not count).");
  });

  it("requires freshness within maxAgeDays, inclusive", () => {
    const rules = { requiredEvidence: [{ kind: "sast" as const, maxAgeDays: 7 }] };
    expect(only(run(rules, { evidence: [scan({ receivedAt: ago(7) })] })).status).toBe("pass");
    const stale = only(run(rules, { evidence: [scan({ receivedAt: ago(7, 1) })] }));
    expect(stale).toMatchObject({ status: "fail", actual: 7, threshold: 7 });
    expect(stale.message).toBe("The newest SAST evidence (semgrep, scan scn_sast) is 7 days old (max 7).");
    expect(stale.remediation).toMatch(/^Upload a fresh sast report for commit /);
    const both = [scan({ scanId: "old", receivedAt: ago(30) }), scan({ scanId: "new", receivedAt: ago(1) })];
    expect(only(run(rules, { evidence: both }))).toMatchObject({ status: "pass", actual: 1 });
  });

  it("lets sca-or-sbom be met by either, but keeps sca and sbom apart", () => {
    const sbom = scan({ scanId: "scn_sbom", tool: "syft", kinds: ["sbom"] });
    const sca = scan({ scanId: "scn_sca", tool: "osv-scanner", kinds: ["sca"] });
    expect(only(run({ requiredEvidence: [{ kind: "sca-or-sbom" }] }, { evidence: [sbom] })).status).toBe("pass");
    expect(only(run({ requiredEvidence: [{ kind: "sca-or-sbom" }] }, { evidence: [sca] })).status).toBe("pass");
    expect(only(run({ requiredEvidence: [{ kind: "sca" }] }, { evidence: [sbom] })).status).toBe("fail");
    expect(only(run({ requiredEvidence: [{ kind: "sbom" }] }, { evidence: [sca] })).status).toBe("fail");
    expect(only(run({ requiredEvidence: [{ kind: "sca-or-sbom" }] }, {})).id).toBe("evidence:sca-or-sbom");
  });

  it("binds container evidence to the artifact when one is given", () => {
    const rules = { requiredEvidence: [{ kind: "container" as const }] };
    const image = (artifact: string | null) => scan({ scanId: "scn_img", tool: "trivy", kinds: ["container", "sca"], artifact });
    expect(only(run(rules, { artifact: ARTIFACT, evidence: [image(ARTIFACT)] })).status).toBe("pass");
    const other = only(run(rules, { artifact: ARTIFACT, evidence: [image(OTHER_ARTIFACT)] }));
    expect(other.status).toBe("fail");
    expect(other.message).toBe(
      `No complete scan of this commit for artifact ${ARTIFACT} provides container evidence (1 scan of another artifact does not count).`,
    );
    expect(other.remediation).toContain(`gatehouse scan upload trivy-image.json --artifact ${ARTIFACT}`);
    expect(only(run(rules, { artifact: ARTIFACT, evidence: [image(null)] })).status).toBe("fail");
    expect(only(run(rules, { artifact: null, evidence: [image(OTHER_ARTIFACT)] })).status).toBe("pass");
    // Other kinds are about the commit, not the image.
    expect(
      only(run({ requiredEvidence: [{ kind: "sca" }] }, { artifact: ARTIFACT, evidence: [image(OTHER_ARTIFACT)] })).status,
    ).toBe("pass");
  });
});

describe("maxScannerDbAgeDays", () => {
  const trivy = (over: Partial<GateEvidence> = {}) =>
    scan({ scanId: "scn_trivy", tool: "trivy", kinds: ["sca"], receivedAt: ago(1), scannerDbBuiltAt: ago(2), ...over });

  it("passes with a fresh database", () => {
    const c = only(run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [trivy()] }));
    expect(c).toMatchObject({ id: "scanner-db-age", status: "pass", actual: 1, threshold: 3 });
    expect(c.message).toBe("The oldest scanner database was 1 day old (max 3).");
  });

  it("fails when the database was older than allowed at scan time", () => {
    const r = run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [trivy({ scannerDbBuiltAt: ago(5) })] });
    expect(r.decision).toBe("block");
    expect(only(r)).toMatchObject({ status: "fail", actual: 4 });
    expect(only(r).message).toBe("trivy (scan scn_trivy) used a database 4 days old (max 3).");
    expect(only(r).remediation).toBe(`Update the vulnerability database of trivy and upload a new scan of commit ${COMMIT}.`);
  });

  it("warns in warn mode", () => {
    const r = run({ maxScannerDbAgeDays: { days: 3, mode: "warn" } }, { evidence: [trivy({ scannerDbBuiltAt: ago(5) })] });
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
  });

  it("passes unknown ages with a note by default, and ignores scans that read no vulnerability database", () => {
    const noDb = trivy({ scanId: "scn_nodb", tool: "grype", scannerDbBuiltAt: null });
    const mixed = only(run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [trivy(), noDb, scan()] }));
    expect(mixed.status).toBe("pass");
    expect(mixed.message).toBe("The oldest scanner database was 1 day old (max 3; 1 scan does not say how old its database is).");
    const unknown = only(run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [noDb] }));
    expect(unknown).toMatchObject({
      status: "pass",
      actual: null,
      message: "No vulnerability scan says how old its database is (1 scan unknown).",
    });
    // A SAST scan has no vulnerability database: it is neither stale nor unknown.
    expect(only(run({ maxScannerDbAgeDays: { days: 3, unknown: "fail" } }, { evidence: [scan()] })).message).toBe(
      "No complete vulnerability scan of this commit to check.",
    );
    expect(only(run({ maxScannerDbAgeDays: { days: 3 } }, {})).message).toBe(
      "No complete vulnerability scan of this commit to check.",
    );
  });

  it("gives an unknown database age what the policy chose: warn or fail, with how to state it", () => {
    const noDb = trivy({ scanId: "scn_nodb", scannerDbBuiltAt: null });
    const warned = only(run({ maxScannerDbAgeDays: { days: 3, unknown: "warn" } }, { evidence: [noDb] }));
    expect(warned.status).toBe("warn");
    expect(warned.remediation).toContain("--scanner-db-updated-at");
    expect(warned.remediation).toContain("trivy version --format json");
    expect(only(run({ maxScannerDbAgeDays: { days: 3, unknown: "fail" } }, { evidence: [noDb] })).status).toBe("fail");
    // Known and fresh everywhere: the unknown setting does not matter.
    expect(only(run({ maxScannerDbAgeDays: { days: 3, unknown: "fail" } }, { evidence: [trivy()] })).status).toBe("pass");
    // A stale database fails by the rule's mode, whatever the unknown setting.
    const stale = trivy({ scannerDbBuiltAt: ago(9) });
    expect(only(run({ maxScannerDbAgeDays: { days: 3, unknown: "warn" } }, { evidence: [stale, noDb] })).status).toBe("fail");
  });

  it("measures the database's age when the scan ran, from the report's own time", () => {
    // Scanned 10 days ago with a database built the day before: 1 day old then, uploaded today.
    const old = trivy({ receivedAt: ago(0), scannedAt: ago(10), scannerDbBuiltAt: ago(11) });
    expect(only(run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [old] })).actual).toBe(1);
  });

  it("ignores failed scans and scans superseded by a newer scan of the same tool", () => {
    const stale = trivy({ scanId: "scn_old", receivedAt: ago(3), scannerDbBuiltAt: ago(10) });
    const failed = trivy({ scanId: "scn_failed", status: "failed", receivedAt: ago(0.5), scannerDbBuiltAt: ago(20) });
    expect(only(run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [stale, trivy(), failed] })).status).toBe("pass");
    expect(only(run({ maxScannerDbAgeDays: { days: 3 } }, { evidence: [stale, failed] })).status).toBe("fail");
  });
});

describe("sla", () => {
  const rules = { sla: {} };
  const cases = [
    ["critical", 7],
    ["high", 30],
    ["medium", 90],
    ["low", 120],
  ] as const;

  it.each(cases)("allows %s findings exactly %i days old and blocks older ones", (severity, days) => {
    expect(only(run(rules, { findings: [finding({ severity, firstSeenAt: ago(days) })] })).status).toBe("pass");
    const late = finding({ severity, firstSeenAt: ago(days, 1) });
    const c = only(run(rules, { findings: [late] }));
    expect(c).toMatchObject({ id: "sla", status: "fail", actual: 1, findings: [late.id] });
    expect(c.message).toBe(`1 open finding past its SLA (worst: ${severity} js.xss, open ${days} days, SLA ${days} days).`);
    expect(c.remediation).toBe("Fix rule js.xss in src/app.ts, or add a waiver with a reason and an expiry.");
  });

  it("never breaches info findings", () => {
    expect(only(run(rules, { findings: [finding({ severity: "info", firstSeenAt: ago(1000) })] })).status).toBe("pass");
  });

  it("applies per-severity overrides and keeps the other defaults", () => {
    const over = { sla: { days: { critical: 1, low: 365 } } };
    const c = only(
      run(over, { findings: [lodash({ firstSeenAt: ago(2) }), finding({ severity: "low", firstSeenAt: ago(200) })] }),
    );
    expect(c).toMatchObject({ status: "fail", actual: 1, threshold: "critical 1d, high 30d, medium 90d, low 365d" });
    expect(only(run(over, { findings: [finding({ severity: "high", firstSeenAt: ago(31) })] })).status).toBe("fail");
  });

  it("warns in warn mode, and waived findings do not breach", () => {
    const old = lodash({ firstSeenAt: ago(60) });
    const warned = run({ sla: { mode: "warn" } }, { findings: [old] });
    expect(warned.decision).toBe("allow");
    expect(only(warned).status).toBe("warn");
    const waived = run(rules, { findings: [old], waivers: [waiver({ type: "vulnerability", value: "CVE-2021-23337" })] });
    expect(only(waived)).toMatchObject({
      status: "pass",
      message: "No open finding is past its SLA (critical 7d, high 30d, medium 90d, low 120d).",
    });
  });
});

describe("previousStage", () => {
  const decision = (d: "allow" | "block", artifact: string | null = null) => ({
    stage: "test",
    decision: { id: "dec_1", decision: d, artifact, evaluatedAt: ago(1) },
  });
  const rules = { previousStage: { stage: "test" } };

  it("passes when the latest test decision allowed the commit", () => {
    const c = only(run(rules, { stage: "production", previousStage: decision("allow") }));
    expect(c).toMatchObject({ id: "previous-stage:test", status: "pass", actual: "allow", threshold: "allow" });
  });

  it("fails when there is no decision", () => {
    for (const previousStage of [null, { stage: "test", decision: null }]) {
      const c = only(run(rules, { stage: "production", previousStage }));
      expect(c).toMatchObject({ status: "fail", actual: null, message: "No test decision for this commit." });
      expect(c.remediation).toBe("Promote this commit to test first.");
    }
  });

  it("fails when the latest decision blocked", () => {
    const c = only(run(rules, { stage: "production", previousStage: decision("block") }));
    expect(c).toMatchObject({ status: "fail", actual: "block" });
    expect(c.message).toBe("The latest test decision for this commit (dec_1, 2025-05-31T12:00:00.000Z) was block.");
    expect(c.remediation).toBe("Promote this commit to test first: its latest test decision was block.");
  });

  it("fails when the decision was for another artifact", () => {
    const c = only(run(rules, { stage: "production", artifact: ARTIFACT, previousStage: decision("allow", OTHER_ARTIFACT) }));
    expect(c.status).toBe("fail");
    expect(c.message).toContain(`was for artifact ${OTHER_ARTIFACT}, not ${ARTIFACT}`);
    expect(c.remediation).toBe(`Promote this commit (artifact ${ARTIFACT}) to test first.`);
    expect(only(run(rules, { artifact: ARTIFACT, previousStage: decision("allow", null) })).status).toBe("fail");
    expect(only(run(rules, { artifact: ARTIFACT, previousStage: decision("allow", ARTIFACT) })).status).toBe("pass");
  });

  it("does not take a decision of another stage", () => {
    const c = only(run({ previousStage: { stage: "staging" } }, { previousStage: decision("allow") }));
    expect(c).toMatchObject({ id: "previous-stage:staging", status: "fail" });
  });

  it("defaults the stage to the input's previous stage, and passes on the first stage", () => {
    expect(only(run({ previousStage: {} }, { previousStage: decision("allow") }))).toMatchObject({
      id: "previous-stage:test",
      status: "pass",
    });
    expect(only(run({ previousStage: {} }, { stage: "dev", previousStage: null }))).toMatchObject({
      id: "previous-stage",
      status: "pass",
    });
  });

  it("warns in warn mode", () => {
    const r = run({ previousStage: { stage: "test", mode: "warn" } }, { previousStage: decision("block") });
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
  });
});

describe("artifactBinding", () => {
  const rules = { artifactBinding: {} };
  const image = (artifact: string | null, scanId = "scn_img") => scan({ scanId, tool: "trivy", kinds: ["container"], artifact });

  it("passes when no artifact is given", () => {
    expect(only(run(rules, { evidence: [image(OTHER_ARTIFACT)] }))).toMatchObject({
      id: "artifact-binding",
      status: "pass",
      message: "No artifact given.",
    });
  });

  it("passes when a scan is bound to the artifact and none names another", () => {
    const c = only(run(rules, { artifact: ARTIFACT, evidence: [image(ARTIFACT), scan()] }));
    expect(c).toMatchObject({ status: "pass", actual: 1, threshold: 1 });
  });

  it("fails when no scan is bound to the artifact", () => {
    const c = only(run(rules, { artifact: ARTIFACT, evidence: [scan()] }));
    expect(c).toMatchObject({ status: "fail", actual: 0, message: `0 scans of this commit are bound to ${ARTIFACT}.` });
    expect(c.remediation).toBe(
      `Upload a scan of ${ARTIFACT} (e.g. \`gatehouse scan upload trivy-image.json --artifact ${ARTIFACT}\`).`,
    );
  });

  it("fails when a scan names another artifact, and ignores failed scans", () => {
    const c = only(run(rules, { artifact: ARTIFACT, evidence: [image(ARTIFACT), image(OTHER_ARTIFACT, "scn_other")] }));
    expect(c.status).toBe("fail");
    expect(c.message).toBe(`1 scan of this commit is bound to ${ARTIFACT}; 1 scan names another artifact (${OTHER_ARTIFACT}).`);
    expect(c.remediation).toContain("scan scn_other (trivy)");
    const failedOther = image(OTHER_ARTIFACT, "scn_other");
    failedOther.status = "failed";
    expect(only(run(rules, { artifact: ARTIFACT, evidence: [image(ARTIFACT), failedOther] })).status).toBe("pass");
  });

  it("warns in warn mode", () => {
    const r = run({ artifactBinding: { mode: "warn" } }, { artifact: ARTIFACT });
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
  });
});

describe("minScorecardGrade", () => {
  it("passes at or above the grade", () => {
    expect(only(run({ minScorecardGrade: { grade: "B" } }, { scorecardGrade: "A" }))).toMatchObject({
      id: "scorecard-grade",
      status: "pass",
      actual: "A",
      threshold: "B",
    });
    expect(only(run({ minScorecardGrade: { grade: "B" } }, { scorecardGrade: "b" })).status).toBe("pass");
  });

  it("fails below the grade", () => {
    const c = only(run({ minScorecardGrade: { grade: "B" } }, { scorecardGrade: "D" }));
    expect(c).toMatchObject({ status: "fail", actual: "D", message: "Scorecard grade D (minimum B)." });
    expect(c.remediation).toMatch(/^Raise the service's scorecard grade to B/);
  });

  it("warns in warn mode", () => {
    const r = run({ minScorecardGrade: { grade: "A", mode: "warn" } }, { scorecardGrade: "C" });
    expect(r.decision).toBe("allow");
    expect(only(r).status).toBe("warn");
  });

  it("treats an unknown grade as not assessed, per mode", () => {
    const fail = only(run({ minScorecardGrade: { grade: "C" } }, { scorecardGrade: null }));
    expect(fail).toMatchObject({ status: "fail", actual: null, message: "Scorecard grade not assessed." });
    const warn = only(run({ minScorecardGrade: { grade: "C", mode: "warn" } }, { scorecardGrade: null }));
    expect(warn.status).toBe("warn");
    expect(only(run({ minScorecardGrade: { grade: "C" } }, { scorecardGrade: "?" })).status).toBe("fail");
  });
});

describe("default policies on a realistic scenario", () => {
  const critical = lodash({ id: "fnd_lodash", firstSeenAt: ago(3) });
  const medium = finding({ id: "fnd_medium", severity: "medium", firstSeenAt: ago(10) });
  const evidence = [
    scan({ scanId: "scn_sast", receivedAt: ago(1) }),
    scan({ scanId: "scn_sca", tool: "trivy", kinds: ["sca", "container"], artifact: ARTIFACT, scannerDbBuiltAt: ago(1.5) }),
  ];
  const secretsScan = scan({ scanId: "scn_secrets", tool: "gitleaks", kinds: ["secrets"] });
  const pipelineScan = scan({
    scanId: "scn_pipeline",
    tool: "gatehouse-pipeline",
    kinds: ["posture"],
  });
  const base = input({ findings: [critical, medium], evidence });
  const failing = (r: ReturnType<typeof decideGate>) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const warning = (r: ReturnType<typeof decideGate>) => r.checks.filter((c) => c.status === "warn").map((c) => c.id);

  it("dev warns but allows", () => {
    const r = decideGate({ ...base, stage: "dev" }, DEFAULT_POLICIES.dev);
    expect(r.decision).toBe("allow");
    expect(warning(r)).toEqual(["max-findings:critical", "evidence:secrets"]);
  });

  it("test blocks on the critical finding and the missing secret scan, then allows once fixed, waived or uploaded", () => {
    const blocked = decideGate(base, DEFAULT_POLICIES.test);
    expect(blocked.decision).toBe("block");
    expect(failing(blocked)).toEqual(["max-findings:critical", "evidence:secrets"]);
    expect(blocked.checks.find((c) => c.id === "max-findings:critical")?.remediation).toContain(
      "Upgrade lodash 4.17.15 → 4.17.21",
    );

    const uploaded = { ...base, evidence: [...evidence, secretsScan] };
    expect(failing(decideGate(uploaded, DEFAULT_POLICIES.test))).toEqual(["max-findings:critical"]);

    const fixed = decideGate({ ...uploaded, findings: [medium] }, DEFAULT_POLICIES.test);
    expect(fixed.decision).toBe("allow");
    // Without the pipeline definition, test only warns.
    expect(warning(fixed)).toEqual(["evidence:posture"]);
    expect(
      warning(
        decideGate({ ...uploaded, findings: [medium], evidence: [...uploaded.evidence, pipelineScan] }, DEFAULT_POLICIES.test),
      ),
    ).toEqual([]);

    const waived = decideGate(
      { ...uploaded, waivers: [waiver({ type: "vulnerability", value: "CVE-2021-23337" }, { id: "wvr_lodash" })] },
      DEFAULT_POLICIES.test,
    );
    expect(waived.decision).toBe("allow");
    expect(waived.waiversApplied).toEqual(["wvr_lodash"]);
  });

  it("production needs the test pass, fresh evidence, an artifact-bound scan and no high findings", () => {
    const prodInput: GateInput = {
      ...base,
      stage: "production",
      artifact: ARTIFACT,
      previousStage: { stage: "test", decision: null },
    };
    const blocked = decideGate(prodInput, DEFAULT_POLICIES.production);
    expect(failing(blocked)).toEqual([
      "max-findings:critical",
      "max-findings:high",
      "evidence:secrets",
      "evidence:posture",
      "previous-stage:test",
    ]);

    const ready: GateInput = {
      ...prodInput,
      findings: [medium],
      evidence: [...evidence, secretsScan, pipelineScan],
      previousStage: { stage: "test", decision: { id: "dec_t", decision: "allow", artifact: ARTIFACT, evaluatedAt: ago(0.5) } },
    };
    const allowed = decideGate(ready, DEFAULT_POLICIES.production);
    expect(allowed.decision).toBe("allow");
    expect(allowed.checks.every((c) => c.status === "pass")).toBe(true);
    expect(allowed.evidence).toEqual(["scn_pipeline", "scn_sast", "scn_sca", "scn_secrets"].sort());

    // Evidence older than a week no longer counts for production.
    const stale = decideGate({ ...ready, now: new Date(NOW.getTime() + 7 * DAY) }, DEFAULT_POLICIES.production);
    expect(failing(stale)).toEqual(["evidence:sast", "evidence:sca-or-sbom", "evidence:secrets", "evidence:posture"]);
  });
});

describe("noGateWiringFindings", () => {
  const wiring = (ruleId: string, over: Partial<GateFinding> = {}) =>
    finding({
      id: `fnd_${ruleId}`,
      kind: "posture",
      riskArea: 2,
      severity: "high",
      ruleId,
      title: "Deploys without asking the Gatehouse gate (deploy › name:Roll out)",
      file: ".github/workflows/ship.yml",
      ...over,
    });
  const rules = { noGateWiringFindings: {} };

  it("fails on a gate-wiring finding, naming it and how to fix it", () => {
    const c = only(
      run(rules, { findings: [wiring("gate-missing"), wiring("action-unpinned", { id: "fnd_pin", severity: "medium" })] }),
    );
    expect(c).toMatchObject({ id: "gate-wiring", status: "fail", actual: 1, threshold: 0, findings: ["fnd_gate-missing"] });
    expect(c.message).toContain(
      "gate-missing: Deploys without asking the Gatehouse gate (deploy › name:Roll out) in .github/workflows/ship.yml",
    );
    expect(c.remediation).toMatch(/gatehouse gate --stage/);
  });

  it("passes without such findings, ignores other tools' rules of the same name, and honours waivers and warn", () => {
    expect(only(run(rules, {})).status).toBe("pass");
    expect(only(run(rules, { findings: [wiring("gate-missing", { kind: "code" })] })).status).toBe("pass");
    const waived = run(rules, { findings: [wiring("gate-missing")], waivers: [waiver({ type: "rule", value: "gate-missing" })] });
    expect(only(waived).status).toBe("pass");
    expect(only(waived).message).toMatch(/1 waived/);
    expect(only(run({ noGateWiringFindings: { mode: "warn" } }, { findings: [wiring("deploy-unrecorded")] })).status).toBe(
      "warn",
    );
  });
});

describe("decideGate", () => {
  const everything = policy({
    maxFindings: [
      { severity: "critical", max: 0 },
      { severity: "medium", max: 5, area: 3, mode: "warn" },
    ],
    noSecrets: {},
    requiredEvidence: [{ kind: "sast", maxAgeDays: 7 }, { kind: "sca-or-sbom" }, { kind: "container", mode: "warn" }],
    maxScannerDbAgeDays: { days: 3 },
    sla: {},
    previousStage: { stage: "test" },
    artifactBinding: {},
    minScorecardGrade: { grade: "B", mode: "warn" },
  });
  const full = input({
    stage: "production",
    artifact: ARTIFACT,
    findings: [lodash({ id: "f_b" }), lodash({ id: "f_a" }), secret({ id: "f_c" }), finding({ id: "f_d", severity: "low" })],
    waivers: [
      waiver({ type: "rule", value: "js.xss" }, { id: "w_2" }),
      waiver({ type: "fingerprint", value: "none" }, { id: "w_1" }),
    ],
    evidence: [
      scan({ scanId: "s_2", receivedAt: ago(2) }),
      scan({ scanId: "s_1", tool: "trivy", kinds: ["sca"], receivedAt: ago(2), scannerDbBuiltAt: ago(9) }),
      scan({ scanId: "s_3", status: "failed" }),
    ],
    previousStage: { stage: "test", decision: { id: "dec", decision: "allow", artifact: ARTIFACT, evaluatedAt: ago(1) } },
    scorecardGrade: "C",
  });

  it("runs the rules in a fixed order with stable ids", () => {
    expect(decideGate(full, everything).checks.map((c) => c.id)).toEqual([
      "max-findings:critical",
      "max-findings:medium:area-3",
      "no-secrets",
      "evidence:sast",
      "evidence:sca-or-sbom",
      "evidence:container",
      "scanner-db-age",
      "sla",
      "previous-stage:test",
      "artifact-binding",
      "scorecard-grade",
    ]);
  });

  it("is deterministic, whatever the order of the input lists", () => {
    const a = decideGate(full, everything);
    const b = decideGate(structuredClone(full), structuredClone(everything));
    const shuffled = decideGate(
      {
        ...full,
        findings: [...full.findings].reverse(),
        waivers: [...full.waivers].reverse(),
        evidence: [...full.evidence].reverse(),
      },
      everything,
    );
    expect(b).toEqual(a);
    expect(shuffled).toEqual(a);
    expect(JSON.stringify(shuffled)).toBe(JSON.stringify(a));
    expect(a.checks[0]?.findings).toEqual(["f_a", "f_b"]);
    expect(a.waiversApplied).toEqual(["w_2"]);
    expect(a.evidence).toEqual(["s_1", "s_2"]);
  });

  it("blocks iff a check fails and leaves the input untouched", () => {
    const before = structuredClone(full);
    const r = decideGate(full, everything);
    expect(full).toEqual(before);
    expect(r.decision).toBe("block");
    for (const c of r.checks) {
      if (c.status === "pass") expect([c.findings, c.remediation]).toEqual([[], ""]);
      else expect(c.remediation).not.toBe("");
    }
    expect(decideGate(full, policy({ noSecrets: { mode: "warn" } })).decision).toBe("allow");
    expect(decideGate(full, policy({})).decision).toBe("allow");
    expect(decideGate(full, policy({})).checks).toEqual([]);
  });
});
