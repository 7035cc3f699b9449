// Gate integrity (issue 10), through the REST API as a pipeline with an ordinary token uses it: a developer in a
// hurry cannot turn a block into an allow without a trace. Each part of the issue is one `it` below.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { auditEvents, findings, scans } from "@/db/schema";
import * as deploymentsRoute from "@/app/api/v1/deployments/route";
import * as gateRoute from "@/app/api/v1/gate/route";
import * as scansRoute from "@/app/api/v1/scans/route";
import { setPolicy } from "@/server/gate/policies";
import { DEFAULT_POLICIES, type PolicyInput } from "@/server/gate/policy";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { displayPrefix } from "@/server/tokens/token-format";
import { createToken } from "@/server/tokens/tokens";
import { getFinding } from "@/server/views/findings";
import { remediationActions } from "@/server/views/remediation";
import { describeEachDatabase } from "@/tests/helpers/db";
import { databaseDigest } from "@/tests/helpers/digest";
import { generic, sha, uniqueSlug } from "@/tests/helpers/fixtures";

type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Answer = { status: number; body: Record<string, unknown> };
type Check = { id: string; status: string; message: string; remediation: string };
type Decision = { decision: "allow" | "block"; decisionId: string; checks: Check[] };

const base = "http://localhost";
const DAY = 86_400_000;
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

async function call(handler: unknown, method: string, path: string, token: string, body?: string): Promise<Answer> {
  const res = await (handler as Handler)(
    new Request(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body,
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// ---------- reports as the tools write them ----------

type Vuln = { id: string; pkg?: string; version?: string; severity?: string; fixed?: string };

function trivy(vulns: Vuln[], opts: { artifactName?: string; image?: string; createdAt?: string; target?: string } = {}) {
  const image = opts.image !== undefined;
  return JSON.stringify({
    SchemaVersion: 2,
    ...(opts.createdAt ? { CreatedAt: opts.createdAt } : {}),
    ArtifactName: opts.artifactName ?? ".",
    ArtifactType: image ? "container_image" : "filesystem",
    ...(image ? { Metadata: { ImageID: digest(999), RepoDigests: [`${opts.artifactName}@${opts.image}`] } } : {}),
    Results: vulns.length
      ? [
          {
            Target: opts.target ?? "package-lock.json",
            Class: "lang-pkgs",
            Type: "npm",
            Vulnerabilities: vulns.map((v) => ({
              VulnerabilityID: v.id,
              PkgName: v.pkg ?? "lodash",
              PkgIdentifier: { PURL: `pkg:npm/${v.pkg ?? "lodash"}@${v.version ?? "4.17.15"}` },
              InstalledVersion: v.version ?? "4.17.15",
              FixedVersion: v.fixed ?? "4.17.21",
              Severity: v.severity ?? "CRITICAL",
              Title: `${v.id} in ${v.pkg ?? "lodash"}`,
            })),
          },
        ]
      : [],
  });
}

const gitleaks = (secrets: string[]) =>
  JSON.stringify(
    secrets.map((s, i) => ({
      Description: "AWS Access Key",
      StartLine: 3 + i,
      EndLine: 3 + i,
      StartColumn: 1,
      EndColumn: 20,
      Match: s,
      Secret: s,
      File: "config/prod.env",
      Commit: "",
      Entropy: 3.5,
      Author: "",
      Email: "",
      Date: "",
      Message: "",
      Tags: [],
      RuleID: "aws-access-token",
      Fingerprint: `config/prod.env:aws-access-token:${3 + i}`,
    })),
  );

/** npm audit 7+: minimist known by its GHSA only. */
const npmAudit = JSON.stringify({
  auditReportVersion: 2,
  vulnerabilities: {
    minimist: {
      name: "minimist",
      severity: "critical",
      isDirect: true,
      via: [
        {
          source: 1096,
          name: "minimist",
          dependency: "minimist",
          title: "Prototype Pollution in minimist",
          url: "https://github.com/advisories/GHSA-xvch-5gv4-984h",
          severity: "critical",
          cwe: ["CWE-1321"],
          cvss: { score: 9.8, vectorString: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
          range: "<0.2.4",
        },
      ],
      effects: [],
      range: "<0.2.4",
      nodes: ["node_modules/minimist"],
      fixAvailable: true,
    },
  },
  metadata: {
    vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 1, total: 1 },
    dependencies: { prod: 1, dev: 0, optional: 0, peer: 0, peerOptional: 0, total: 1 },
  },
});

/** Trivy: minimist known by its CVE only. */
const trivyMinimist = trivy([{ id: "CVE-2021-44906", pkg: "minimist", version: "0.2.1", fixed: "0.2.4" }]);

/** OSV-Scanner: the GHSA with the CVE as an alias, the report that ties the other two together. */
const osvMinimist = JSON.stringify({
  results: [
    {
      source: { path: "package-lock.json", type: "lockfile" },
      packages: [
        {
          package: { name: "minimist", version: "0.2.1", ecosystem: "npm" },
          vulnerabilities: [
            {
              id: "GHSA-xvch-5gv4-984h",
              aliases: ["CVE-2021-44906"],
              summary: "Prototype Pollution in minimist",
              affected: [
                {
                  package: { ecosystem: "npm", name: "minimist" },
                  ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "0.2.4" }] }],
                },
              ],
              database_specific: { severity: "CRITICAL", cwe_ids: ["CWE-1321"] },
            },
          ],
          groups: [{ ids: ["GHSA-xvch-5gv4-984h"], aliases: ["CVE-2021-44906", "GHSA-xvch-5gv4-984h"] }],
        },
      ],
    },
  ],
});

describeEachDatabase("gate integrity over the REST API", (t) => {
  let token = "";
  let team = "";

  beforeAll(async () => {
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    team = uniqueSlug("integrity");
    await createTeam(t.ctx(), { slug: team });
    token = (
      await createToken(t.ctx(), {
        team,
        name: "ci",
        scopes: ["scans:write", "gate:evaluate", "deployments:write", "read"],
      })
    ).token;
  });
  afterAll(() => setRuntime(undefined));

  const service = async () => {
    const slug = uniqueSlug("svc");
    await createService(t.ctx(), { team, slug });
    return slug;
  };
  const upload = (svc: string, commit: string, body: string, query: Record<string, string> = {}) =>
    call(scansRoute.POST, "POST", `/api/v1/scans?${new URLSearchParams({ service: svc, commit, ...query })}`, token, body);
  const gate = async (svc: string, stage: string, commit: string, artifact?: string) => {
    const r = await call(
      gateRoute.POST,
      "POST",
      "/api/v1/gate",
      token,
      JSON.stringify({ service: svc, stage, commit, artifact }),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as unknown as Decision;
  };
  const deploy = (svc: string, stage: string, commit: string, artifact?: string) =>
    call(deploymentsRoute.POST, "POST", "/api/v1/deployments", token, JSON.stringify({ service: svc, stage, commit, artifact }));
  const failing = (d: Decision) => d.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const check = (d: Decision, id: string) => d.checks.find((c) => c.id === id);
  /** Clean SAST, SCA and secret-scan evidence for a commit: what the test stage requires besides no findings. */
  const evidence = (svc: string, commit: string, query: Record<string, string> = {}) =>
    upload(svc, commit, generic("evidence", [], { evidence: ["sast", "sca", "secrets"] }), query);
  const stats = (a: Answer) => a.body.statistics as Record<string, number>;
  const findingRows = (svc: string) =>
    queryRows<{ id: string; status: string; vulnerability_id: string | null; aliases: string[] }>(
      t.db(),
      sql`select f.id, f.status, f.vulnerability_id, f.aliases from findings f join services s on s.id = f.service_id
          where s.slug = ${svc} order by f.id`,
    );

  it("1. evidence at a commit only accumulates: a clean re-upload leaves the block, says so, and is audited", async () => {
    const svc = await service();
    const x = sha(`${svc}-x`);
    expect((await evidence(svc, x)).status).toBe(201);
    const found = await upload(svc, x, trivy([{ id: "CVE-2021-23337" }]));
    expect(stats(found)).toMatchObject({ created: 1, retracted: 0 });
    expect(failing(await gate(svc, "test", x))).toEqual(["max-findings:critical"]);

    // The same track and commit, now "clean": the finding is retracted, not closed.
    const clean = await upload(svc, x, '{"SchemaVersion":2,"Results":[]}');
    expect(clean.status).toBe(201);
    expect(stats(clean)).toMatchObject({ findings: 0, closed: 0, retracted: 1 });
    const [finding] = await findingRows(svc);
    const warnings = clean.body.warnings as string[];
    expect(warnings.find((w) => w.includes("missing from this report"))).toContain(finding!.id);
    expect(warnings.join(" ")).toContain("still counts for this commit");
    // Renaming the tool puts the report in another scope: nothing there to retract, and nothing changes.
    expect(stats(await upload(svc, x, '{"SchemaVersion":2,"Results":[]}', { scanner: "trivy-renamed" }))).toMatchObject({
      closed: 0,
      retracted: 0,
    });
    expect(failing(await gate(svc, "test", x))).toEqual(["max-findings:critical"]);
    // The dashboards agree with the gate: the finding is still open.
    expect((await findingRows(svc)).map((f) => f.status)).toEqual(["open"]);

    // Secrets: an empty gitleaks report for the same commit does not unblock either.
    expect((await upload(svc, x, gitleaks(["AKIAIOSFODNN7EXAMPLE"]), { format: "gitleaks" })).status).toBe(201);
    const noLeaks = await upload(svc, x, "[]", { format: "gitleaks" });
    expect(stats(noLeaks)).toMatchObject({ retracted: 1, closed: 0 });
    expect(failing(await gate(svc, "test", x))).toEqual(["max-findings:critical", "no-secrets"]);

    // Who did it is on record.
    const audit = await t.db().select().from(auditEvents).where(eq(auditEvents.action, "scan.retraction"));
    const mine = audit.filter((a) => (a.after as { service: string }).service === svc);
    expect(mine).toHaveLength(2);
    expect(mine.every((a) => a.actorType === "token" && a.actorLabel === `token:${displayPrefix(token)}…`)).toBe(true);
    expect((mine[0]!.after as { findings: string[] }).findings).toEqual([finding!.id]);

    // The next commit without the finding closes it, and that commit is allowed.
    const y = sha(`${svc}-y`);
    await evidence(svc, y);
    expect(stats(await upload(svc, y, '{"SchemaVersion":2,"Results":[]}'))).toMatchObject({ closed: 1, retracted: 0 });
    expect(stats(await upload(svc, y, "[]", { format: "gitleaks" }))).toMatchObject({ closed: 1 });
    expect((await gate(svc, "test", y)).decision).toBe("allow");
    expect((await findingRows(svc)).map((f) => f.status)).toEqual(["closed", "closed"]);
    // ...while commit X still blocks: its evidence did not change.
    expect((await gate(svc, "test", x)).decision).toBe("block");
  });

  it("2. scopes match reality: image and source scans never close each other's findings; two lockfiles keep theirs", async () => {
    const svc = await service();
    const c = (i: number) => sha(`${svc}-s${i}`);
    const [c1, c2, c3, c4, c5] = [c(1), c(2), c(3), c(4), c(5)];
    await upload(svc, c1, trivy([{ id: "CVE-2021-23337" }]));
    // An empty image scan of the next commit is about the image, not the source: it closes nothing.
    const image = await upload(svc, c2, trivy([], { artifactName: "ghcr.io/acme/app:1.0", image: digest(1) }), {
      artifact: digest(1),
    });
    expect(stats(image)).toMatchObject({ closed: 0 });
    expect((image.body.scan as { target: string }).target).toBe("ghcr.io/acme/app");
    expect((await findingRows(svc)).map((f) => f.status)).toEqual(["open"]);

    // The reverse: an image finding survives a clean source scan, and the next build's image scan closes it.
    await upload(
      svc,
      c2,
      trivy([{ id: "CVE-2022-0001", pkg: "openssl" }], { artifactName: "ghcr.io/acme/app:1.0", image: digest(1) }),
      {
        artifact: digest(1),
      },
    );
    const source = await upload(svc, c3, trivy([]));
    expect(stats(source)).toMatchObject({ closed: 1 }); // the source finding of c1
    const nextBuild = await upload(svc, c3, trivy([], { artifactName: "ghcr.io/acme/app:1.1", image: digest(2) }), {
      artifact: digest(2),
    });
    expect(stats(nextBuild)).toMatchObject({ closed: 1 }); // the image finding, not the source one (already closed)

    // Two lockfiles of a monorepo, scanned as two reports: each keeps its own findings.
    await upload(svc, c4, trivy([{ id: "CVE-2023-0001", pkg: "a-lib" }], { artifactName: "packages/a" }));
    await upload(svc, c4, trivy([{ id: "CVE-2023-0002", pkg: "b-lib" }], { artifactName: "packages/b" }));
    const aClean = await upload(svc, c5, trivy([], { artifactName: "packages/a" }));
    expect(stats(aClean)).toMatchObject({ closed: 1 });
    const open = (await findingRows(svc)).filter((f) => f.status === "open").map((f) => f.vulnerability_id);
    expect(open).toEqual(["CVE-2023-0002"]);

    // An explicit category, as GitHub code scanning takes it, is one more scope.
    const sarif = (results: number) =>
      JSON.stringify({
        version: "2.1.0",
        runs: [
          {
            tool: { driver: { name: "CodeQL", rules: [{ id: "js/sqli" }] } },
            results: Array.from({ length: results }, (_, i) => ({
              ruleId: "js/sqli",
              level: "error",
              message: { text: "SQL injection" },
              locations: [{ physicalLocation: { artifactLocation: { uri: `src/q${i}.js` }, region: { startLine: 3 } } }],
            })),
          },
        ],
      });
    await upload(svc, c4, sarif(1), { category: "/language:javascript" });
    expect(stats(await upload(svc, c5, sarif(0), { category: "/language:python" }))).toMatchObject({ closed: 0 });
    expect(stats(await upload(svc, c5, sarif(0), { category: "/language:javascript" }))).toMatchObject({ closed: 1 });
  });

  it("3. evidence time comes from the report, never later than the upload; a report from the future is refused", async () => {
    const svc = await service();
    const c = sha(`${svc}-t`);
    await setPolicy(t.ctx(), "dev", {
      rules: { requiredEvidence: [{ kind: "sca", maxAgeDays: 7, mode: "fail" }] },
    } satisfies PolicyInput);
    try {
      const produced = new Date(Date.now() - 60 * DAY).toISOString();
      const old = await upload(svc, c, trivy([], { createdAt: produced }));
      expect(old.status).toBe(201);
      const scan = old.body.scan as { generatedAt: string; scannedAt: string; receivedAt: string };
      expect(scan.generatedAt).toBe(produced);
      expect(scan.scannedAt).toBe(produced);
      expect(Date.parse(scan.receivedAt)).toBeGreaterThan(Date.parse(produced) + 59 * DAY);
      const d = await gate(svc, "dev", c);
      expect(failing(d)).toEqual(["evidence:sca"]);
      expect(check(d, "evidence:sca")!.message).toMatch(/is 60 days old \(max 7\)/);

      // A clock a little ahead (under five minutes) is tolerated: the evidence counts from the upload.
      const ahead = await upload(svc, c, trivy([], { createdAt: new Date(Date.now() + 2 * 60_000).toISOString(), target: "x" }), {
        scanner: "trivy-ahead",
      });
      expect(ahead.status).toBe(201);
      const s2 = ahead.body.scan as { scannedAt: string; receivedAt: string };
      expect(s2.scannedAt).toBe(s2.receivedAt);
      expect((await gate(svc, "dev", c)).decision).toBe("allow");

      // Further ahead is refused, and nothing is stored.
      const before = await databaseDigest(t.db(), ["api_tokens", "rate_limits", "audit_events"]);
      const future = await upload(svc, c, trivy([], { createdAt: new Date(Date.now() + 10 * 60_000).toISOString() }), {
        scanner: "trivy-future",
      });
      expect(future.status).toBe(422);
      expect(future.body.type).toBe("/problems/report-from-the-future");
      expect(await databaseDigest(t.db(), ["api_tokens", "rate_limits", "audit_events"])).toEqual(before);
    } finally {
      await setPolicy(t.ctx(), "dev", DEFAULT_POLICIES.dev);
    }
  });

  it("4. the artifact is bound, not asserted; production needs one unless its policy says otherwise", async () => {
    const svc = await service();
    const c = sha(`${svc}-a`);
    const report = trivy([], { artifactName: "ghcr.io/acme/app:2.0", image: digest(7) });
    const before = await databaseDigest(t.db(), ["api_tokens", "rate_limits", "audit_events"]);
    const lie = await upload(svc, c, report, { artifact: digest(8) });
    expect(lie.status).toBe(422);
    expect(lie.body).toMatchObject({ type: "/problems/artifact-mismatch", artifact: digest(8) });
    expect(lie.body.reportDigests).toContain(digest(7));
    expect(await databaseDigest(t.db(), ["api_tokens", "rate_limits", "audit_events"])).toEqual(before);
    // The image ID names the same image as the registry digest: either may be given.
    expect((await upload(svc, c, report, { artifact: digest(999) })).status).toBe(201);

    const bound = await upload(svc, sha(`${svc}-b`), report);
    expect(bound.status).toBe(201);
    expect((bound.body.scan as { artifact: string }).artifact).toBe(digest(7));
    expect((bound.body.warnings as string[]).join(" ")).toContain(`Bound to ${digest(7)}`);

    const noArtifact = await gate(svc, "production", c);
    expect(noArtifact.decision).toBe("block");
    expect(check(noArtifact, "artifact-required")).toMatchObject({ status: "fail" });
    expect(check(noArtifact, "artifact-required")!.remediation).toContain("--artifact");
    expect(check(await gate(svc, "production", c, digest(7)), "artifact-required")).toMatchObject({ status: "pass" });

    // A digest names immutable content: a later scan of that image under another commit (a nightly rescan) counts.
    const rescan = trivy([{ id: "CVE-2024-9999", pkg: "openssl" }], { artifactName: "ghcr.io/acme/app:2.0", image: digest(7) });
    expect((await upload(svc, sha(`${svc}-nightly`), rescan)).status).toBe(201);
    expect(check(await gate(svc, "production", c, digest(7)), "max-findings:critical")).toMatchObject({ status: "fail" });
    expect(check(await gate(svc, "production", c, digest(8)), "max-findings:critical")).toMatchObject({ status: "pass" });

    // A team that deploys no images turns the rule off.
    const { requireArtifact: _, ...rules } = DEFAULT_POLICIES.production.rules;
    await setPolicy(t.ctx(), "production", { ...DEFAULT_POLICIES.production, rules });
    try {
      expect(check(await gate(svc, "production", c), "artifact-required")).toBeUndefined();
    } finally {
      await setPolicy(t.ctx(), "production", DEFAULT_POLICIES.production);
    }
  });

  it("5. a deployment matches only a recent allow for the same artifact; deployments are append-only", async () => {
    const svc = await service();
    const c = sha(`${svc}-d`);
    const c2 = sha(`${svc}-d2`);
    // An allow is valid for 4 seconds here: long enough for the calls right after it, short enough to wait out.
    await setPolicy(t.ctx(), "dev", { ...DEFAULT_POLICIES.dev, decisionMaxAgeHours: 4 / 3600 });
    try {
      expect((await gate(svc, "dev", c, digest(1))).decision).toBe("allow");
      const ok = await deploy(svc, "dev", c, digest(1));
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ bypass: false });
      // The allow named an artifact: a deployment naming none, or another, does not match it.
      expect((await deploy(svc, "dev", c)).body).toMatchObject({ bypass: true });
      expect((await deploy(svc, "dev", c, digest(2))).body).toMatchObject({ bypass: true });
      // And the reverse: an allow for no artifact does not let an artifact in.
      expect((await gate(svc, "dev", c2)).decision).toBe("allow");
      expect((await deploy(svc, "dev", c2, digest(1))).body).toMatchObject({ bypass: true });
      expect((await deploy(svc, "dev", c2)).body).toMatchObject({ bypass: false });

      await new Promise((r) => setTimeout(r, 4_500));
      const late = await deploy(svc, "dev", c, digest(1));
      expect(late.body).toMatchObject({ bypass: true, decisionId: null });
      expect(late.body.bypassReason).toMatch(/^stale decision: /);
      const audit = await t
        .db()
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.targetId, late.body.id as string));
      expect(audit.map((a) => a.action)).toEqual(["deployment.bypass"]);
    } finally {
      await setPolicy(t.ctx(), "dev", DEFAULT_POLICIES.dev);
    }
    for (const statement of [
      sql`update deployments set bypass = false`,
      sql`delete from deployments`,
      sql`truncate deployments`,
    ]) {
      const refused = await t
        .db()
        .transaction((tx) => tx.execute(statement))
        .then(
          () => null,
          (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ""}`,
        );
      expect(refused).toMatch(/table deployments is append-only/);
    }
  });

  it("6. an unknown scanner-database age is a policy choice; the pipeline can state it", async () => {
    const svc = await service();
    const c = sha(`${svc}-db`);
    const vulnScan = generic("grype", [], { evidence: ["sca"] });
    await upload(svc, c, vulnScan);
    // The production default warns.
    expect(check(await gate(svc, "production", c), "scanner-db-age")).toMatchObject({ status: "warn" });
    const stated = new Date(Date.now() - DAY).toISOString();
    const c2 = sha(`${svc}-db2`);
    const r = await upload(svc, c2, vulnScan, { scanner_db_updated_at: stated });
    expect((r.body.scan as { scannerDbBuiltAt: string }).scannerDbBuiltAt).toBe(stated);
    expect(check(await gate(svc, "production", c2), "scanner-db-age")).toMatchObject({ status: "pass" });
    const c3 = sha(`${svc}-db3`);
    await upload(svc, c3, vulnScan, { scanner_db_updated_at: new Date(Date.now() - 10 * DAY).toISOString() });
    expect(check(await gate(svc, "production", c3), "scanner-db-age")).toMatchObject({ status: "fail" });
    expect((await upload(svc, c3, vulnScan, { scanner_db_updated_at: "yesterday" })).status).toBe(400);

    const rules = {
      ...DEFAULT_POLICIES.production.rules,
      maxScannerDbAgeDays: { days: 3, mode: "fail" as const, unknown: "fail" as const },
    };
    await setPolicy(t.ctx(), "production", { ...DEFAULT_POLICIES.production, rules });
    try {
      expect(check(await gate(svc, "production", c), "scanner-db-age")).toMatchObject({ status: "fail" });
    } finally {
      await setPolicy(t.ctx(), "production", DEFAULT_POLICIES.production);
    }
  });

  const ORDERS: [string, string, string][] = [
    ["npm", "trivy", "osv"],
    ["npm", "osv", "trivy"],
    ["trivy", "npm", "osv"],
    ["trivy", "osv", "npm"],
    ["osv", "npm", "trivy"],
    ["osv", "trivy", "npm"],
  ];
  const REPORTS: Record<string, string> = { npm: npmAudit, trivy: trivyMinimist, osv: osvMinimist };

  it("7 and 8. reports that share a vulnerability id end in one finding in every order; merges are audited; statistics are honest", async () => {
    for (const order of ORDERS) {
      const svc = await service();
      const results: Answer[] = [];
      for (const [i, tool] of order.entries()) results.push(await upload(svc, sha(`${svc}-m${i}`), REPORTS[tool]!));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      const rows = await findingRows(svc);
      expect(rows, order.join(" → ")).toHaveLength(1);
      const ids = new Set([rows[0]!.vulnerability_id, ...rows[0]!.aliases]);
      expect(ids.has("CVE-2021-44906") && ids.has("GHSA-xvch-5gv4-984h"), order.join(" → ")).toBe(true);
      // Created once; every later report is a new source of that one finding.
      // Created once, and every later report a new source of it; when the bridge comes last, the second report could
      // not know it named the same vulnerability, so it created a second finding that the bridge then merged.
      const bridgedLast = order[2] === "osv";
      expect(results.map((r) => [stats(r).created, stats(r).merged])).toEqual([[1, 0], bridgedLast ? [1, 0] : [0, 1], [0, 1]]);
      const [svcRow] = await queryRows<{ id: string; repo_url: string | null }>(
        t.db(),
        sql`select id, repo_url from services where slug = ${svc}`,
      );
      const actions = await remediationActions(t.ctx(), { id: svcRow!.id, repoUrl: svcRow!.repo_url });
      expect(
        actions.items.filter((a) => JSON.stringify(a).includes("minimist")),
        order.join(" → "),
      ).toHaveLength(1);
      // When the bridging report comes last, two stored findings become one, and the audit trail says so.
      const merges = await queryRows<{ after: { absorbed: string[]; via: string[] } }>(
        t.db(),
        sql`select a.after from audit_events a where a.action = 'finding.merge' and a.after ->> 'service' = ${svc}`,
      );
      expect(merges, order.join(" → ")).toHaveLength(bridgedLast ? 1 : 0);
      if (bridgedLast) {
        expect(merges[0]!.after.via).toEqual(["CVE-2021-44906", "GHSA-XVCH-5GV4-984H"]);
        const [forward] = await queryRows<{ merged_into: string }>(
          t.db(),
          sql`select merged_into from finding_merges where finding_id = ${merges[0]!.after.absorbed[0]!}`,
        );
        expect(forward!.merged_into).toBe(rows[0]!.id);
        // Links to the merged finding (in older decisions) lead to the one it lives on in.
        expect((await getFinding(t.ctx(), merges[0]!.after.absorbed[0]!)).id).toBe(rows[0]!.id);
      }
    }
  });

  it("8. one report that names a vulnerability twice creates one finding; a shared vendor advisory ties nothing", async () => {
    const svc = await service();
    const npm = (target: string, id: string, vendorIds: string[]) => ({
      Target: target,
      Class: "lang-pkgs",
      Type: "npm",
      Vulnerabilities: [
        {
          VulnerabilityID: id,
          VendorIDs: vendorIds,
          PkgName: "minimist",
          PkgIdentifier: { PURL: "pkg:npm/minimist@0.2.1" },
          InstalledVersion: "0.2.1",
          FixedVersion: "0.2.4",
          Severity: "CRITICAL",
        },
      ],
    });
    const deb = (id: string) => ({
      VulnerabilityID: id,
      VendorIDs: ["DSA-5417-1"],
      PkgName: "openssl",
      PkgIdentifier: { PURL: "pkg:deb/debian/openssl@3.0.9-1?distro=debian-12" },
      InstalledVersion: "3.0.9-1",
      FixedVersion: "3.0.9-1+deb12u1",
      Severity: "HIGH",
    });
    const report = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: ".",
      ArtifactType: "filesystem",
      Results: [
        npm("apps/web/package-lock.json", "CVE-2021-44906", []),
        npm("apps/api/package-lock.json", "GHSA-xvch-5gv4-984h", ["CVE-2021-44906"]),
        { Target: "debian 12", Class: "os-pkgs", Type: "debian", Vulnerabilities: [deb("CVE-2023-2650"), deb("CVE-2023-1255")] },
      ],
    });
    const first = await upload(svc, sha(`${svc}-1`), report);
    expect(first.status).toBe(201);
    const rows = await findingRows(svc);
    // minimist once (both ids kept), and openssl's two CVEs apart although one Debian advisory fixes both.
    expect(rows).toHaveLength(3);
    expect(stats(first)).toMatchObject({ findings: 3, created: 3, merged: 0 });
    const minimist = rows.filter((r) => [r.vulnerability_id, ...r.aliases].includes("CVE-2021-44906"));
    expect(minimist).toHaveLength(1);
    expect(new Set([minimist[0]!.vulnerability_id, ...minimist[0]!.aliases])).toEqual(
      new Set(["CVE-2021-44906", "GHSA-xvch-5gv4-984h"]),
    );
    expect(
      rows
        .filter((r) => r.aliases.includes("DSA-5417-1"))
        .map((r) => r.vulnerability_id)
        .sort(),
    ).toEqual(["CVE-2023-1255", "CVE-2023-2650"]);
    // The same report again: nothing to merge, every finding unchanged.
    const again = await upload(svc, sha(`${svc}-2`), report);
    expect(stats(again)).toMatchObject({ findings: 3, created: 0, merged: 0, unchanged: 3 });
    expect(await findingRows(svc)).toHaveLength(3);
  });

  it("8. statistics: a known finding at a new commit is unchanged; findings = created + merged + unchanged + reopened", async () => {
    const svc = await service();
    const report = trivy([{ id: "CVE-2021-23337" }, { id: "CVE-2020-8203" }]);
    const first = stats(await upload(svc, sha(`${svc}-1`), report));
    expect(first).toMatchObject({ findings: 2, created: 2, merged: 0, unchanged: 0 });
    const again = stats(await upload(svc, sha(`${svc}-2`), report));
    expect(again).toMatchObject({ findings: 2, created: 0, merged: 0, unchanged: 2 });
    const rows = await t.db().select({ id: findings.id }).from(findings);
    expect(rows.length).toBeGreaterThan(0);
    const stored = await t.db().select({ statistics: scans.statistics }).from(scans);
    for (const { statistics: s } of stored) expect(s.findings).toBe(s.created + (s.merged ?? 0) + s.unchanged + s.reopened);
  });
});
