// The gate keeps the findings it read for a set of scans (server/gate/kept-input.ts): the next gate over the same scans
// reads them from one row. These tests show that the row is what is read, that it gives the same answer as the
// tables, and that any upload to the service outdates it, so no gate ever decides on findings older than its own read.
// Each upload keeps what a gate at its commit will read, in its own transaction.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "@/server/context";
import { withTransaction } from "@/server/context";
import { evaluateGateRequest, type GateDecision } from "@/server/gate/evaluate-gate";
import { KEEP_AT_UPLOAD_MAX_FINDINGS, keepGateInputAtUpload, readGateFindings } from "@/server/gate/gather-input";
import { CHUNK, encodeKeptFindings, PART } from "@/server/gate/kept-input";
import { previewGate } from "@/server/views/gate-preview";
import { describeEachDatabase } from "@/tests/helpers/db";
import { codeFinding, dependencyFinding, generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";

const vuln = (id: string, severity: string) => dependencyFinding(id, severity);
const sast = codeFinding;
const failing = (d: GateDecision) => d.checks.filter((c) => c.status === "fail").map((c) => c.id);
/** What a decision says, without what differs between two decisions (id, url, time). */
const verdict = (d: GateDecision) => ({
  decision: d.decision,
  checks: d.checks,
  evidence: d.evidence,
  waivers: d.waiversApplied,
});

describeEachDatabase("gate: kept inputs", (t) => {
  const now = () => new Date("2026-11-20T12:00:00Z");

  async function world() {
    const { service, team } = await teamWithService(t.ctx({ now }));
    const tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: ["scans:write", "gate:evaluate"] });
    return { svc: service.slug, serviceId: service.id, tok };
  }

  /** SCA with these findings, SAST with two, a clean secret scan: the evidence the test stage asks for. */
  async function scans(tok: ServiceContext, svc: string, commit: string, sca: Record<string, unknown>[]) {
    await upload(tok, { service: svc, commit }, generic("trivy", sca, { evidence: ["sca"] }));
    await upload(
      tok,
      { service: svc, commit },
      generic("semgrep", [sast("js/xss", "medium"), sast("js/sqli", "high")], { evidence: ["sast"] }),
    );
    await upload(tok, { service: svc, commit }, generic("gitleaks", [], { evidence: ["secrets"] }));
  }

  const kept = (serviceId: string) =>
    queryRows<{ scans_key: string; version: string | number; finding_count: number }>(
      t.db(),
      sql`select scans_key, version, finding_count from gate_inputs where service_id = ${serviceId} order by scans_key`,
    );
  const versionOf = async (serviceId: string) =>
    Number(
      (
        await queryRows<{ v: string | number }>(t.db(), sql`select findings_version as v from services where id = ${serviceId}`)
      )[0]!.v,
    );

  it("each upload keeps what a gate at its commit reads; the gate reads that row and answers as the tables do", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k1");
    await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical"), vuln("CVE-2020-8203", "low")]);
    const rows = await kept(serviceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.scans_key.split(",")).toHaveLength(3);
    expect(Number(rows[0]!.version)).toBe(await versionOf(serviceId));
    expect(rows[0]!.finding_count).toBe(4);

    const first = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(first.decision).toBe("block");
    expect(failing(first)).toEqual(["max-findings:critical"]);

    // Nothing kept: the gate reads the tables, keeps them itself, and answers the same.
    await t.db().execute(sql`delete from gate_inputs where service_id = ${serviceId}`);
    const fromTables = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(verdict(fromTables)).toEqual(verdict(first));
    expect(fromTables.decisionId).not.toBe(first.decisionId);
    expect((await kept(serviceId)).map((r) => [r.scans_key, Number(r.version), r.finding_count])).toEqual(
      rows.map((r) => [r.scans_key, Number(r.version), r.finding_count]),
    );

    // The row is what the gate reads: emptied by hand, the next gate sees no findings at all.
    await t.db().execute(sql`update gate_inputs set findings = '[]', finding_count = 0 where service_id = ${serviceId}`);
    const emptied = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(emptied.decision).toBe("allow");
  });

  it("the remediation page's preview keeps what it read, as a gate does; the next preview and the gate read that row", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k-preview");
    await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical"), vuln("CVE-2020-8203", "low")]);
    const uploaded = (await kept(serviceId)).map((r) => [r.scans_key, Number(r.version), r.finding_count]);
    const service = { id: serviceId, defaultBranch: "main" };

    // Nothing kept (the last upload was at another commit, say): the preview reads the tables and keeps them.
    await t.db().execute(sql`delete from gate_inputs where service_id = ${serviceId}`);
    const first = await previewGate(tok, service, "test");
    expect(first.decision).toBe("block");
    expect(first.checks.filter((x) => x.status === "fail").map((x) => x.id)).toEqual(["max-findings:critical"]);
    expect((await kept(serviceId)).map((r) => [r.scans_key, Number(r.version), r.finding_count])).toEqual(uploaded);

    // The row is what the next preview and the gate read: emptied by hand, both see no findings.
    await t.db().execute(sql`update gate_inputs set findings = '[]', finding_count = 0 where service_id = ${serviceId}`);
    expect((await previewGate(tok, service, "test")).decision).toBe("allow");
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("allow");

    // An upload outdates it: the preview no longer reads the emptied row.
    await upload(tok, { service: svc, commit: c }, generic("trivy", [vuln("CVE-2022-0001", "critical")], { evidence: ["sca"] }));
    const after = await previewGate(tok, service, "test");
    expect(after.decision).toBe("block");
  });

  it("an upload bound to an artifact keeps what a gate for that artifact reads, rescans of it at other commits included", async () => {
    const { svc, serviceId, tok } = await world();
    const image = `sha256:${"ab".repeat(32)}`;
    const [a, b] = [sha("k-art-a"), sha("k-art-b")];
    // Last night's rescan of the image, under another commit, found a critical vulnerability.
    await upload(
      tok,
      { service: svc, commit: a, artifact: image },
      generic("trivy", [vuln("CVE-2021-23337", "critical")], { evidence: ["sca"] }),
    );
    await upload(tok, { service: svc, commit: b }, generic("semgrep", [sast("js/xss", "low")], { evidence: ["sast"] }));
    await upload(tok, { service: svc, commit: b }, generic("gitleaks", [], { evidence: ["secrets"] }));
    await upload(
      tok,
      { service: svc, commit: b, artifact: image },
      generic("trivy", [vuln("CVE-2020-8203", "low")], { evidence: ["sca"] }),
    );
    const rows = await kept(serviceId);
    expect(rows.map((r) => [r.scans_key.split(",").length, r.finding_count])).toEqual([[4, 3]]);
    const gate = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: b, artifact: image });
    expect(gate.evidence).toHaveLength(4);
    expect(failing(gate)).toEqual(["max-findings:critical"]);
    await t.db().execute(sql`update gate_inputs set findings = '[]', finding_count = 0 where service_id = ${serviceId}`);
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: b, artifact: image })).decision).toBe("allow");
  });

  it("a duplicate upload changes nothing: the version and what was kept stay", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k-dup");
    await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical")]);
    const before = { version: await versionOf(serviceId), rows: await kept(serviceId) };
    const again = await upload(tok, { service: svc, commit: c }, generic("gitleaks", [], { evidence: ["secrets"] }));
    expect(again.duplicate).toBe(true);
    expect({ version: await versionOf(serviceId), rows: await kept(serviceId) }).toEqual(before);
  });

  it("past the limit, an upload keeps nothing and the first gate keeps what it read", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k-limit");
    await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical"), vuln("CVE-2020-8203", "low")]);
    await t.db().execute(sql`delete from gate_inputs where service_id = ${serviceId}`);
    const at = { serviceId, commit: c, artifact: null, version: await versionOf(serviceId) };
    // Four sightings: over a limit of three nothing is kept, at four the same row an upload keeps.
    expect(await withTransaction(tok, (tx) => keepGateInputAtUpload(tx, at, 3))).toBe(false);
    expect(await kept(serviceId)).toEqual([]);
    expect(await withTransaction(tok, (tx) => keepGateInputAtUpload(tx, at, 4))).toBe(true);
    expect((await kept(serviceId)).map((r) => r.finding_count)).toEqual([4]);
    expect(KEEP_AT_UPLOAD_MAX_FINDINGS).toBe(20_000);
  });

  it("a row that does not hold what it says it holds is read again from the tables", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k2");
    await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical")]);
    const first = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    await t.db().execute(sql`update gate_inputs set findings = '[["broken"]]' where service_id = ${serviceId}`);
    expect(verdict(await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c }))).toEqual(verdict(first));
  });

  it("an upload at a later commit that raises a finding's severity outdates what was kept for the earlier commit", async () => {
    const { svc, serviceId, tok } = await world();
    const a = sha("k3a");
    await scans(tok, svc, a, [vuln("CVE-2021-23337", "high")]);
    const before = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: a });
    expect(before.decision).toBe("allow");
    const version = await versionOf(serviceId);
    expect((await kept(serviceId)).map((r) => Number(r.version))).toEqual([version]);

    // Commit b reports the same vulnerability as critical: the stored finding (which commit a's scan also saw) is
    // raised. A gate at a reading the kept row of before would still allow.
    const b = sha("k3b");
    await upload(tok, { service: svc, commit: b }, generic("trivy", [vuln("CVE-2021-23337", "critical")], { evidence: ["sca"] }));
    expect(await versionOf(serviceId)).toBe(version + 1);
    const after = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: a });
    expect(after.decision).toBe("block");
    expect(failing(after)).toEqual(["max-findings:critical"]);
    // The outdated row went when the upload kept its own; the gate at a kept a's again, at the new version.
    expect((await kept(serviceId)).map((r) => Number(r.version))).toEqual([version + 1, version + 1]);
  });

  it("another scan at the same commit is another set of scans: the gate reads it whole", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k4");
    await scans(tok, svc, c, [vuln("CVE-2020-8203", "low")]);
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("allow");
    await upload(tok, { service: svc, commit: c }, generic("grype", [vuln("CVE-2021-23337", "critical")], { evidence: ["sca"] }));
    const after = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(after.decision).toBe("block");
    expect(after.evidence).toHaveLength(4);
    const rows = await kept(serviceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.scans_key.split(",")).toHaveLength(4);
  });

  it("gates of one service at the same moment, over the same and other scans, all answer and keep one row per set", async () => {
    const { svc, serviceId, tok } = await world();
    const commits = [sha("k6a"), sha("k6b"), sha("k6c")];
    for (const c of commits) await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical")]);
    // An older row of the service, outdated by the uploads above, for the gates to clear.
    await t
      .db()
      .execute(
        sql`insert into gate_inputs (service_id, scans_key, version, finding_count, findings) values (${serviceId}, 'scan_old', 0, 0, '[]')`,
      );
    const asked = [...commits, ...commits].map((commit) => evaluateGateRequest(tok, { service: svc, stage: "test", commit }));
    const answers = await Promise.all(asked);
    expect(answers.map((a) => a.decision)).toEqual(Array(6).fill("block"));
    const rows = await kept(serviceId);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => Number(r.version)))).toEqual(new Set([await versionOf(serviceId)]));
  });

  describe("a failed upload", () => {
    it("leaves the version and what was kept as they were", async () => {
      const { svc, serviceId, tok } = await world();
      const c = sha("k5");
      await scans(tok, svc, c, [vuln("CVE-2021-23337", "critical")]);
      await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
      const version = await versionOf(serviceId);
      await expect(upload(tok, { service: svc, commit: c }, "{ not json")).rejects.toThrow();
      expect(await versionOf(serviceId)).toBe(version);
      expect((await kept(serviceId)).map((r) => Number(r.version))).toEqual([version]);
    });
  });
  it("keeps a service of more findings than a part holds in parts, and a gate reads them back as the tables say", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k-parts");
    const severities = ["critical", "high", "medium", "low"];
    await scans(
      tok,
      svc,
      c,
      Array.from({ length: 2 * CHUNK + 13 }, (_, i) => vuln(`CVE-2020-${String(10_000 + i)}`, severities[i % 4]!)),
    );
    const text = async () =>
      (await queryRows<{ findings: string }>(t.db(), sql`select findings from gate_inputs where service_id = ${serviceId}`))[0]
        ?.findings;
    const keptText = await text();
    // Kept at the upload, by the database, in three parts.
    expect(keptText?.split(PART)).toHaveLength(3);
    const fromParts = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    // Without the kept row, the gate reads the findings row by row (and keeps them again): the same answer.
    await t.db().execute(sql`delete from gate_inputs where service_id = ${serviceId}`);
    const fromRows = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    expect(verdict(fromParts)).toEqual(verdict(fromRows));
    // That gate kept what it read again: the same text, in the same parts.
    expect(await text()).toBe(keptText);
    expect(fromParts.decision).toBe("block");
    // What the gate read is the parts: kept text saying every finding is low turns the same gate into an allow.
    const sightings = await queryRows<{ id: string; commit: string }>(
      t.db(),
      sql`select id, commit from scans where service_id = ${serviceId}`,
    );
    const all = (await withTransaction(tok, (tx) => readGateFindings(tx, serviceId, sightings, { rows: true }))).findings;
    const allLow = encodeKeptFindings(all.map((f) => ({ ...f, severity: "low" as const })));
    expect(allLow.split(PART)).toHaveLength(3);
    await t.db().execute(sql`update gate_inputs set findings = ${allLow} where service_id = ${serviceId}`);
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c })).decision).toBe("allow");
    expect(fromParts.checks.flatMap((x) => x.findings).length).toBeGreaterThan(CHUNK / 2);
  });

  it("the findings as the database writes their kept text are the findings read row by row; an odd text falls back to rows", async () => {
    const { svc, serviceId, tok } = await world();
    const c = sha("k-text");
    const tricky = {
      ...vuln("CVE-2021-23337", "critical"),
      title: 'Command injection in "lodash" \\ template, a line\nbreak, ✓ and an emoji 🛡',
      aliases: ["GHSA-35jh-r3h4-6jhm", "SNYK-JS-LODASH-1040724"],
      package: { ecosystem: "npm", name: "lodash", version: "4.17.15", fixedVersions: ["4.17.21", "5.0.0"] },
    };
    await scans(tok, svc, c, [tricky, vuln("CVE-2020-8203", "low"), vuln("CVE-2019-10744", "high")]);
    const read = async (rows?: boolean) => {
      const sightings = await queryRows<{ id: string; commit: string }>(
        t.db(),
        sql`select id, commit from scans where service_id = ${serviceId}`,
      );
      return withTransaction(tok, (tx) => readGateFindings(tx, serviceId, sightings, { rows }));
    };
    // An instant finer than a millisecond is read to the same millisecond either way.
    await t
      .db()
      .execute(
        sql`update findings set first_seen_at = '2026-11-19 10:00:00.123987+00' where service_id = ${serviceId} and rule_id = 'CVE-2019-10744'`,
      );
    const byText = await read();
    const byRows = await read(true);
    expect(byText.findings.find((f) => f.ruleId === "CVE-2019-10744")!.firstSeenAt.toISOString()).toBe(
      "2026-11-19T10:00:00.123Z",
    );
    expect(byText.kept?.startsWith("k3\u0001")).toBe(true);
    // The database writes exactly the text this process would.
    expect(byText.kept).toBe(encodeKeptFindings(byRows.findings));
    expect(byRows.kept).toBeNull();
    expect(byText.findings).toHaveLength(5);
    expect(byText.findings).toEqual(byRows.findings);
    const lodash = byText.findings.find((f) => f.vulnerabilityId === "CVE-2021-23337")!;
    expect(lodash).toMatchObject({
      title: tricky.title,
      fixedVersions: ["4.17.21", "5.0.0"],
      file: null,
      mergedFingerprints: [],
    });
    expect([...lodash.aliases].sort()).toEqual(["GHSA-35jh-r3h4-6jhm", "SNYK-JS-LODASH-1040724"]);
    expect(byText.findings.find((f) => f.kind === "code")).toMatchObject({
      vulnerabilityId: null,
      packageName: null,
      aliases: [],
    });

    // A text holding a separator cannot be kept split: the rows are read, and kept as JSON by the caller.
    await t
      .db()
      .execute(
        sql`update findings set title = 'a' || chr(1) || 'b' where service_id = ${serviceId} and rule_id = 'CVE-2020-8203'`,
      );
    const odd = await read();
    expect(odd.kept).toBeNull();
    expect(odd.findings).toEqual((await read(true)).findings);
    expect(odd.findings.find((f) => f.ruleId === "CVE-2020-8203")!.title).toBe(`a${String.fromCharCode(1)}b`);
    // So does one in a list's element.
    await t.db().execute(sql`update findings set title = 'ab' where service_id = ${serviceId} and rule_id = 'CVE-2020-8203'`);
    expect((await read()).kept).not.toBeNull();
    await t
      .db()
      .execute(
        sql`update findings set aliases = array['GHSA-1' || chr(2) || 'x'] where service_id = ${serviceId} and rule_id = 'CVE-2019-10744'`,
      );
    const oddList = await read();
    expect(oddList.kept).toBeNull();
    expect(oddList.findings.find((f) => f.ruleId === "CVE-2019-10744")!.aliases).toEqual([`GHSA-1${String.fromCharCode(2)}x`]);
    // A gate keeps such findings as JSON, and the next gate reads them from that row and answers the same (what the
    // upload kept is dropped first: the findings were changed by hand, behind the version's back).
    await t.db().execute(sql`delete from gate_inputs where service_id = ${serviceId}`);
    const first = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c });
    const [row] = await queryRows<{ findings: string }>(
      t.db(),
      sql`select findings from gate_inputs where service_id = ${serviceId}`,
    );
    expect(row!.findings.startsWith("[")).toBe(true);
    expect(JSON.parse(row!.findings)).toHaveLength(5);
    expect(verdict(await evaluateGateRequest(tok, { service: svc, stage: "test", commit: c }))).toEqual(verdict(first));
  });
});
