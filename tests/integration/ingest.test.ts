// Ingest on a real database: dedup, cross-scanner merge, scope-safe closing, reopening, redaction, idempotency.
import { and, count, eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { auditEvents, findings, findingTracks, scanFindings, scans } from "@/db/schema";
import type { ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { getScan, ingestReport } from "@/server/ingest/ingest-report";
import { OwnedBytes } from "@/server/owned-bytes";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, teamWithService, text, tokenContext, upload } from "@/tests/helpers/fixtures";
import { isMalformed, manifest, sampleBytes, sampleText } from "@/tests/helpers/samples";

const code = (rule: string, file: string, line: number, snippet: string, severity = "high") => ({
  kind: "code",
  ruleId: rule,
  title: `${rule} in ${file}`,
  severity,
  location: { file, startLine: line, snippet },
});

describeEachDatabase("ingest", (t) => {
  let ctx: ServiceContext;
  let svc: string;
  let team: string;

  beforeAll(async () => {
    const made = await teamWithService(t.ctx());
    svc = made.service.slug;
    team = made.team.slug;
    ctx = await tokenContext(t.ctx(), { team, scopes: ["scans:write", "read"] });
  });

  async function countRows(serviceSlug = svc) {
    const rows = await queryRows<{ findings: number; scopes: number; scans: number; sightings: number }>(
      t.db(),
      sql`select (select count(*)::int from findings f join services s on s.id = f.service_id where s.slug = ${serviceSlug}) as findings,
                 (select count(*)::int from finding_tracks fs join services s on s.id = fs.service_id where s.slug = ${serviceSlug}) as scopes,
                 (select count(*)::int from scans x join services s on s.id = x.service_id where s.slug = ${serviceSlug}) as scans,
                 (select count(*)::int from scan_findings x join services s on s.id = x.service_id where s.slug = ${serviceSlug}) as sightings`,
    );
    return rows[0]!;
  }

  it("ingests a real SARIF report and answers with its statistics", async () => {
    const body = sampleBytes("sarif/defectdojo__sarif__flawfinder.sarif");
    const r = await upload(ctx, { service: svc, commit: sha(1), branch: "main" }, body);
    expect(r.duplicate).toBe(false);
    expect(r.scan).toMatchObject({
      service: svc,
      commit: sha(1),
      branch: "main",
      format: "sarif",
      status: "complete",
      evidence: ["sast"],
    });
    expect(r.scan.tool.name).toMatch(/flawfinder/i);
    expect(r.statistics.findings).toBeGreaterThan(0);
    expect(r.statistics.created).toBe(r.statistics.findings);
    expect(r.statistics.unchanged + r.statistics.reopened + r.statistics.closed).toBe(0);
    const bySev = Object.values(r.statistics.bySeverity).reduce((a, b) => a + b, 0);
    expect(bySev).toBe(r.statistics.findings);
    // Read-your-writes: everything is there when the call returns.
    const stored = await getScan(ctx, r.scan.id);
    expect(stored.statistics).toEqual(r.statistics);
    const [sightings] = await t.db().select({ n: count() }).from(scanFindings).where(eq(scanFindings.scanId, r.scan.id));
    expect(sightings!.n).toBeGreaterThanOrEqual(r.statistics.findings);
  });

  it("takes bytes handed over (the REST upload's) and ingests them as it does plain bytes", async () => {
    const body = sampleBytes("sarif/defectdojo__sarif__flawfinder.sarif");
    const handed = new OwnedBytes(body.slice());
    const r = await ingestReport(ctx, { service: svc, commit: sha(101), branch: "main" }, handed);
    expect(() => handed.take()).toThrow(/already taken/);
    const again = await upload(ctx, { service: svc, commit: sha(101), branch: "main" }, body);
    expect(again).toMatchObject({ duplicate: true, scan: { id: r.scan.id } });
    const [row] = await t.db().select().from(scans).where(eq(scans.id, r.scan.id));
    expect(row!.reportBytes).toBe(body.byteLength);
  });

  it("returns the existing scan for the same bytes and changes nothing", async () => {
    const body = sampleBytes("sarif/defectdojo__sarif__flawfinder.sarif");
    const before = await countRows();
    const r = await upload(ctx, { service: svc, commit: sha(1), branch: "main" }, body);
    expect(r.duplicate).toBe(true);
    expect(await countRows()).toEqual(before);
    // Same bytes under another commit are a new scan whose findings are all unchanged.
    const again = await upload(ctx, { service: svc, commit: sha(2), branch: "main" }, body);
    expect(again.duplicate).toBe(false);
    expect(again.statistics.unchanged).toBe(again.statistics.findings);
    expect(again.statistics.created).toBe(0);
  });

  it("honours Idempotency-Key and refuses its reuse for another upload", async () => {
    const { service } = await teamWithService(t.ctx(), { team: undefined });
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const body = generic("lint", [code("r1", "a.js", 1, "x()")]);
    const first = await upload(tok, { service: service.slug, commit: sha(10) }, body, "run-42-lint");
    const retry = await upload(tok, { service: service.slug, commit: sha(10) }, body, "run-42-lint");
    expect(retry.duplicate).toBe(true);
    expect(retry.scan.id).toBe(first.scan.id);
    const before = await countRows(service.slug);
    await expect(upload(tok, { service: service.slug, commit: sha(11) }, body, "run-42-lint")).rejects.toMatchObject({
      code: "conflict",
      type: "idempotency-key-reused",
    });
    expect(await countRows(service.slug)).toEqual(before);
  });

  it("deduplicates within a report and keeps a finding when its code moves", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const first = generic("lint", [
      code("sql-injection", "src/db.js", 10, "db.query('select ' + q)"),
      code("sql-injection", "src/db.js", 10, "db.query('select ' + q)"), // the same result twice
      code("xss", "src/view.js", 3, "el.innerHTML = q"),
    ]);
    const r1 = await upload(tok, { service: service.slug, commit: sha(20) }, first);
    expect(r1.statistics).toMatchObject({ findings: 2, created: 2 });
    const moved = generic("lint", [
      code("sql-injection", "src/db.js", 42, "db.query('select ' + q)"),
      code("xss", "src/view.js", 7, "el.innerHTML = q"),
    ]);
    const r2 = await upload(tok, { service: service.slug, commit: sha(21) }, moved);
    expect(r2.statistics).toMatchObject({ findings: 2, created: 0, unchanged: 2, closed: 0 });
    const rows = await t.db().select().from(findings).where(eq(findings.serviceId, service.id));
    expect(rows).toHaveLength(2);
    expect(rows.find((f) => f.ruleId === "sql-injection")?.startLine).toBe(42);
  });

  it("merges the same CVE in the same package from Trivy, Grype and npm audit into one finding", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const trivy = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: ".",
      ArtifactType: "filesystem",
      Results: [
        {
          Target: "package-lock.json",
          Class: "lang-pkgs",
          Type: "npm",
          Vulnerabilities: [
            {
              VulnerabilityID: "CVE-2021-23337",
              PkgName: "lodash",
              PkgIdentifier: { PURL: "pkg:npm/lodash@4.17.15" },
              InstalledVersion: "4.17.15",
              FixedVersion: "4.17.21",
              Severity: "HIGH",
              Title: "lodash: command injection via template",
            },
          ],
        },
      ],
    });
    const grype = JSON.stringify({
      matches: [
        {
          vulnerability: { id: "GHSA-35jh-r3h4-6jhm", severity: "High", fix: { versions: ["4.17.21"], state: "fixed" } },
          relatedVulnerabilities: [{ id: "CVE-2021-23337" }],
          artifact: { name: "lodash", version: "4.17.15", type: "npm", purl: "pkg:npm/lodash@4.17.15" },
        },
      ],
      source: { type: "directory", target: "." },
      descriptor: { name: "grype", version: "0.74.0" },
    });
    const npm = JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: {
        lodash: {
          name: "lodash",
          severity: "high",
          isDirect: true,
          via: [
            {
              source: 1067,
              name: "lodash",
              dependency: "lodash",
              title: "Command Injection in lodash",
              url: "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
              severity: "high",
              cwe: ["CWE-77"],
              cvss: { score: 7.2, vectorString: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H" },
              range: "<4.17.21",
            },
          ],
          effects: [],
          range: "<4.17.21",
          nodes: ["node_modules/lodash"],
          fixAvailable: true,
        },
      },
      metadata: {
        vulnerabilities: { info: 0, low: 0, moderate: 0, high: 1, critical: 0, total: 1 },
        dependencies: { prod: 1, dev: 0, optional: 0, peer: 0, peerOptional: 0, total: 1 },
      },
    });
    const a = await upload(tok, { service: service.slug, commit: sha(30) }, trivy);
    const b = await upload(tok, { service: service.slug, commit: sha(30) }, grype);
    const c = await upload(tok, { service: service.slug, commit: sha(30) }, npm);
    expect([a.scan.format, b.scan.format, c.scan.format]).toEqual(["trivy-json", "grype-json", "npm-audit"]);
    const rows = await t.db().select().from(findings).where(eq(findings.serviceId, service.id));
    expect(rows).toHaveLength(1);
    const f = rows[0]!;
    expect(f.vulnerabilityId === "CVE-2021-23337" || f.aliases.includes("CVE-2021-23337")).toBe(true);
    expect(f.tools.sort()).toEqual(["grype", "npm audit", "trivy"].sort());
    const sources = await t.db().select().from(findingTracks).where(eq(findingTracks.findingId, f.id));
    expect(sources.map((s) => s.tool).sort()).toEqual(f.tools.sort());
    // The finding exists once: the first report created it, the others merged into it as new sources.
    expect([a.statistics.created, b.statistics.created, c.statistics.created]).toEqual([1, 0, 0]);
    expect([b.statistics.merged, c.statistics.merged]).toEqual([1, 1]);
  });

  it("closes findings only in the scope of a newer complete scan, and reopens them with history", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const two = generic("semgrep", [code("r1", "a.py", 1, "eval(x)"), code("r2", "b.py", 2, "exec(y)")]);
    const other = generic("bandit", [code("B307", "a.py", 1, "eval(x)")]);
    await upload(tok, { service: service.slug, commit: sha(40), branch: "main" }, two);
    await upload(tok, { service: service.slug, commit: sha(40), branch: "main" }, other);
    await upload(tok, { service: service.slug, commit: sha(40), branch: "feature" }, two);

    const empty = (tool: string) => generic(tool, [], { evidence: ["sast"] });
    // Another tool's clean result, and the same tool on another branch, close nothing on main.
    const otherTool = await upload(tok, { service: service.slug, commit: sha(41), branch: "main" }, empty("eslint"));
    expect(otherTool.statistics.closed).toBe(0);
    const otherBranch = await upload(tok, { service: service.slug, commit: sha(41), branch: "feature" }, empty("semgrep"));
    expect(otherBranch.statistics.closed).toBe(2);
    const scopeStatus = async (branch: string, tool: string) =>
      (
        await t
          .db()
          .select({ status: findingTracks.status })
          .from(findingTracks)
          .where(and(eq(findingTracks.serviceId, service.id), eq(findingTracks.branch, branch), eq(findingTracks.tool, tool)))
      ).map((r) => r.status);
    expect(await scopeStatus("main", "semgrep")).toEqual(["open", "open"]);
    expect(await scopeStatus("feature", "semgrep")).toEqual(["closed", "closed"]);
    // Still open on main, so the findings themselves stay open.
    const open = await t
      .db()
      .select()
      .from(findings)
      .where(and(eq(findings.serviceId, service.id), eq(findings.status, "open")));
    expect(open).toHaveLength(3);

    // semgrep on main no longer reports r2: closed there; bandit's finding is untouched.
    const one = await upload(
      tok,
      { service: service.slug, commit: sha(42), branch: "main" },
      generic("semgrep", [code("r1", "a.py", 1, "eval(x)")]),
    );
    expect(one.statistics).toMatchObject({ findings: 1, unchanged: 1, closed: 1 });
    const [r2] = await t
      .db()
      .select()
      .from(findings)
      .where(and(eq(findings.serviceId, service.id), eq(findings.ruleId, "r2")));
    expect(r2).toMatchObject({ status: "closed" });
    expect(r2!.closedAt).not.toBeNull();

    // It comes back: reopened, with its first sighting kept.
    const back = await upload(tok, { service: service.slug, commit: sha(43), branch: "main" }, two);
    expect(back.statistics).toMatchObject({ reopened: 1, unchanged: 1, created: 0 });
    const [again] = await t.db().select().from(findings).where(eq(findings.id, r2!.id));
    expect(again).toMatchObject({ status: "open", closedAt: null, firstCommit: sha(40), lastCommit: sha(43) });
    expect(again!.firstSeenAt.getTime()).toBe(r2!.firstSeenAt.getTime());
    const [scope] = await t
      .db()
      .select()
      .from(findingTracks)
      .where(and(eq(findingTracks.findingId, r2!.id), eq(findingTracks.branch, "main")));
    expect(scope!.reopenedCount).toBe(1);
  });

  it("stores a scanner's error output as a failed scan that closes nothing", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const npmReport = sampleText("npm_audit/defectdojo__npm_audit__one_vuln.json");
    const ok = await upload(tok, { service: service.slug, commit: sha(50) }, npmReport);
    expect(ok.statistics.findings).toBeGreaterThan(0);
    const error = JSON.stringify({
      message: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
      error: { code: "E405", summary: "405 Method Not Allowed", detail: "" },
    });
    const failed = await upload(tok, { service: service.slug, commit: sha(51) }, error);
    expect(failed.scan.status).toBe("failed");
    expect(failed.scan.failureReason).toMatch(/405/);
    expect(failed.statistics.closed).toBe(0);
    expect(failed.warnings.join(" ")).toMatch(/failed/);
    const open = await t
      .db()
      .select()
      .from(findings)
      .where(and(eq(findings.serviceId, service.id), eq(findings.status, "open")));
    expect(open).toHaveLength(ok.statistics.findings);
  });

  it("never stores a secret from a report in clear", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const report = sampleText("gitleaks/defectdojo__gitleaks__gitleaks8_many.json");
    const secrets = (JSON.parse(report) as { Secret: string; Match: string }[])
      .flatMap((l) => [l.Secret, l.Match])
      .filter((s) => s && s.length >= 8);
    expect(secrets.length).toBeGreaterThan(0);
    const r = await upload(tok, { service: service.slug, commit: sha(60) }, report);
    expect(r.scan.evidence).toContain("secrets");
    const dump = JSON.stringify([
      await t.db().select().from(findings).where(eq(findings.serviceId, service.id)),
      await t.db().select().from(scans).where(eq(scans.serviceId, service.id)),
      await t.db().select().from(auditEvents),
    ]);
    for (const s of secrets) expect(dump).not.toContain(s);
    const stored = await t.db().select().from(findings).where(eq(findings.serviceId, service.id));
    expect(stored.every((f) => f.kind === "secret" && f.riskArea === 4 && /^[0-9a-f]{64}$/.test(f.secretHash ?? ""))).toBe(true);
    expect(stored.every((f) => (f.secretPreview ?? "").includes("*"))).toBe(true);
  });

  it("answers 'findings present at commit X' from one indexed query", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    await upload(
      tok,
      { service: service.slug, commit: sha(70) },
      generic("lint", [code("a", "x.js", 1, "a"), code("b", "x.js", 2, "b")]),
    );
    await upload(tok, { service: service.slug, commit: sha(71) }, generic("lint", [code("a", "x.js", 1, "a")]));
    const at = async (commit: string) =>
      (
        await queryRows<{ rule_id: string }>(
          t.db(),
          sql`select distinct f.rule_id from scan_findings sf join findings f on f.id = sf.finding_id
              where sf.service_id = ${service.id} and sf.commit = ${commit} order by 1`,
        )
      ).map((r) => r.rule_id);
    expect(await at(sha(70))).toEqual(["a", "b"]);
    expect(await at(sha(71))).toEqual(["a"]);
    const plan = await queryRows<Record<string, string>>(
      t.db(),
      sql`explain select finding_id from scan_findings where service_id = ${service.id} and commit = ${sha(71)}`,
    );
    expect(JSON.stringify(plan)).toMatch(/scan_findings_commit_idx|Index Only Scan|Bitmap/);
  });

  it("keeps each finding in the tracks of a multi-tool report that list it, and only in those", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    // Two SARIF runs (two tools, so two tracks) that both list one finding; each also lists one of its own.
    const result = (rule: string, file: string) => ({
      ruleId: rule,
      level: "error",
      message: { text: `${rule} in ${file}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: file }, region: { startLine: 3 } } }],
    });
    const run = (tool: string, results: object[]) => ({ tool: { driver: { name: tool, rules: [] } }, results });
    const sarif = (runs: object[]) => JSON.stringify({ version: "2.1.0", runs });
    await upload(
      tok,
      { service: service.slug, commit: sha(90) },
      sarif([
        run("alpha", [result("shared", "s.js"), result("a-only", "a.js")]),
        run("beta", [result("shared", "s.js"), result("b-only", "b.js")]),
      ]),
    );
    const tracks = async () =>
      Object.fromEntries(
        (
          await queryRows<{ rule_id: string; tools: string[] }>(
            t.db(),
            sql`select f.rule_id, array_agg(ft.tool order by ft.tool) as tools
                from finding_tracks ft join findings f on f.id = ft.finding_id
                where ft.service_id = ${service.id} and ft.status = 'open' group by f.rule_id`,
          )
        ).map((r) => [r.rule_id, r.tools]),
      );
    expect(await tracks()).toEqual({ shared: ["alpha", "beta"], "a-only": ["alpha"], "b-only": ["beta"] });
    // The next upload: beta alone still lists the shared finding; it stays open there and closes in alpha only.
    await upload(
      tok,
      { service: service.slug, commit: sha(91) },
      sarif([run("alpha", [result("a-only", "a.js")]), run("beta", [result("shared", "s.js"), result("b-only", "b.js")])]),
    );
    expect(await tracks()).toEqual({ shared: ["beta"], "a-only": ["alpha"], "b-only": ["beta"] });
  });

  it("never loses or duplicates a finding when two uploads for one service arrive together", async () => {
    const { service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const shared = Array.from({ length: 200 }, (_, i) => code(`rule-${i}`, `src/f${i}.js`, i + 1, `call${i}()`));
    const a = generic("tool-a", [...shared, code("only-a", "a.js", 1, "a()")]);
    const b = generic("tool-a", [...shared, code("only-b", "b.js", 1, "b()")]);
    const results = await Promise.all([
      upload(tok, { service: service.slug, commit: sha(80), branch: "main" }, a),
      upload(tok, { service: service.slug, commit: sha(81), branch: "main" }, b),
    ]);
    expect(results.map((r) => r.statistics.findings)).toEqual([201, 201]);
    const rows = await t.db().select({ fp: findings.fingerprint }).from(findings).where(eq(findings.serviceId, service.id));
    expect(rows).toHaveLength(202);
    expect(new Set(rows.map((r) => r.fp)).size).toBe(202);
    // Whichever came second closed the other's only-finding: exactly one of the two is closed.
    const closed = await t
      .db()
      .select()
      .from(findings)
      .where(and(eq(findings.serviceId, service.id), eq(findings.status, "closed")));
    expect(closed).toHaveLength(1);
    expect(results.map((r) => r.statistics.closed).sort()).toEqual([0, 1]);
  });

  it("creates the service on first upload for a team-wide token, and only then", async () => {
    const teamWide = ctx;
    const fresh = `new-${Date.now().toString(36)}`;
    const r = await upload(teamWide, { service: fresh, commit: sha(90) }, generic("lint", []));
    expect(r.scan.service).toBe(fresh);
    const scoped = await tokenContext(t.ctx(), { team, services: [svc], scopes: ["scans:write"] });
    await expect(upload(scoped, { service: `${fresh}-2`, commit: sha(90) }, generic("lint", []))).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(upload(scoped, { service: fresh, commit: sha(90) }, generic("lint", []))).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("hides another team's service and refuses a token without scans:write", async () => {
    const other = await teamWithService(t.ctx());
    await expect(upload(ctx, { service: other.service.slug, commit: sha(91) }, generic("lint", []))).rejects.toMatchObject({
      code: "not_found",
    });
    const readOnly = await tokenContext(t.ctx(), { team, scopes: ["read"] });
    await expect(upload(readOnly, { service: svc, commit: sha(91) }, generic("lint", []))).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("ingests every valid sample of the corpus", async () => {
    const tok = ctx;
    let n = 0;
    for (const row of manifest()) {
      if (isMalformed(row)) continue;
      const r = await upload(tok, { service: "corpus", commit: sha(row.file) }, sampleBytes(row.file)).catch((e: unknown) => e);
      if (r instanceof DomainError && (r.type === "ambiguous-report" || r.type === "invalid-report")) continue;
      expect(r, row.file).not.toBeInstanceOf(Error);
      n++;
    }
    expect(n).toBeGreaterThan(400);
  }, 300_000);

  it("refuses malformed, unrecognized and schema-breaking reports, leaving the database as it was", async () => {
    const before = await countRows();
    const cases: [string | Uint8Array, string, string][] = [
      ["", "bad_request", "empty-report"],
      ['{"runs": [', "bad_request", "malformed-report"],
      ['{"hello": "world"}', "unsupported_media_type", "unsupported-format"],
      [sampleBytes("sarif/codeql-action__invalid-sarif.sarif"), "unprocessable", "invalid-report"],
      ["[]", "unprocessable", "ambiguous-report"],
      [
        text('{"gatehouse":"1","tool":{"name":"x"},"findings":[{"kind":"code","ruleId":"r","title":"t","severity":"extreme"}]}'),
        "unprocessable",
        "invalid-report",
      ],
    ];
    for (const [body, code, type] of cases) {
      const err = await upload(ctx, { service: svc, commit: sha(99) }, body).catch((e: unknown) => e);
      expect(err, String(type)).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code, type });
    }
    expect(await countRows()).toEqual(before);
  });
});
