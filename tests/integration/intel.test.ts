// Threat intelligence on a real database: importing the real KEV catalog and a realistic EPSS file (one transaction,
// audited, idempotent, refusing malformed input without touching what is there), matching findings through their
// aliases, the blockKnownExploited gate rule and waivers, the remediation order, the scorecard, the daily sync against
// a local HTTP server, and the stale-intel signal.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "@/server/context";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { approveWaiver, createWaiver } from "@/server/gate/waivers";
import { recordDeployment } from "@/server/gate/deployments";
import { importIntel, readIntelSource } from "@/server/intel/import-intel";
import { intelStatus } from "@/server/intel/status";
import { configureIntelSync, runIntelSync } from "@/server/intel/sync";
import { computeServiceScorecard } from "@/server/scoring/snapshot";
import { getFinding, listFindings } from "@/server/views/findings";
import { postureOverview } from "@/server/views/posture";
import { remediationActions } from "@/server/views/remediation";
import { describeEachDatabase } from "@/tests/helpers/db";
import { GATED_WORKFLOW, generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { KEV_FILE } from "@/tests/helpers/intel";

const kevBytes = () => readFileSync(KEV_FILE);
const ALL = ["scans:write", "gate:evaluate", "deployments:write", "waivers:write", "read"] as const;

/** An EPSS file in the published shape: `n` synthetic CVEs plus the given scores. */
function epssFile(n: number, extra: [string, number, number][] = [], date = "2025-09-03"): string {
  const lines = [`#model_version:v2025.03.14,score_date:${date}T00:00:00+0000`, "cve,epss,percentile"];
  for (let i = 0; i < n; i++)
    lines.push(`CVE-2099-${String(100000 + i)},${((i % 1000) / 1000).toFixed(5)},${((i % 997) / 997).toFixed(5)}`);
  for (const [cve, e, p] of extra) lines.push(`${cve},${e},${p}`);
  return `${lines.join("\n")}\n`;
}

const dep = (id: string, severity: string, pkg: string, aliases: string[] = [], version = "1.0.0", fixed = "2.0.0") => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in ${pkg}`,
  severity,
  vulnerabilityId: id,
  aliases,
  package: { ecosystem: "maven", name: pkg, version, fixedVersions: [fixed] },
});

const count = async (ctx: ServiceContext, table: "intel_kev" | "intel_epss") =>
  Number((await queryRows<{ n: number }>(ctx.db, sql`select count(*)::int as n from ${sql.raw(table)}`))[0]!.n);

describeEachDatabase("threat intelligence", (t) => {
  let clock = new Date("2025-09-05T12:00:00Z");
  const now = () => clock;
  let op: ServiceContext;

  beforeAll(async () => {
    op = t.ctx({ now, actor: { type: "cli", label: "cli:ops" } });
    configureIntelSync({ enabled: false, kevUrl: "http://127.0.0.1:9/kev", epssUrl: "http://127.0.0.1:9/epss" });
  });
  afterAll(() => configureIntelSync(undefined));

  it("imports the real KEV catalog in one audited transaction; the same file again changes nothing", async () => {
    const r = await importIntel(op, { source: "kev", bytes: kevBytes(), origin: KEV_FILE });
    expect(r).toMatchObject({ source: "kev", entries: 1404, version: "2025.08.25", unchanged: false });
    expect(await count(op, "intel_kev")).toBe(1404);
    const [row] = await queryRows<{ date_added: string; due_date: string }>(
      op.db,
      sql`select date_added::text, due_date::text from intel_kev where cve_id = 'CVE-2021-44228'`,
    );
    expect(row).toEqual({ date_added: "2021-12-10", due_date: "2021-12-24" });
    const again = await importIntel(op, { source: "kev", bytes: kevBytes(), origin: KEV_FILE });
    expect(again.unchanged).toBe(true);
    expect(await count(op, "intel_kev")).toBe(1404);
    const audits = await queryRows<{ actor_label: string; after: { entries: number } }>(
      op.db,
      sql`select actor_label, after from audit_events where action = 'intel.import' and target_id = 'kev' order by at`,
    );
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatchObject({ actor_label: "cli:ops", after: { entries: 1404 } });
    expect((await intelStatus(op)).kev).toMatchObject({ entries: 1404, version: "2025.08.25", origin: KEV_FILE });
  });

  it("refuses a malformed or truncated feed with a clear error and leaves the data as it was", async () => {
    const truncated = kevBytes().subarray(0, 400_000);
    await expect(importIntel(op, { source: "kev", bytes: truncated, origin: "x" })).rejects.toMatchObject({
      code: "bad_request",
      type: "malformed-intel",
      message: expect.stringMatching(/^KEV catalog: not valid JSON/),
    });
    const badRow = epssFile(5).replace("CVE-2099-100003,", "CVE-2099-100003,x");
    await expect(importIntel(op, { source: "epss", bytes: Buffer.from(badRow), origin: "x" })).rejects.toMatchObject({
      message: expect.stringMatching(/^EPSS file line 6: /),
    });
    expect(await count(op, "intel_kev")).toBe(1404);
    expect(await count(op, "intel_epss")).toBe(0);
    expect((await intelStatus(op)).epss).toBeNull();
  });

  it("imports a realistic gzipped EPSS file (300,000 rows) in one go, replacing the previous one", async () => {
    const first = await importIntel(op, { source: "epss", bytes: Buffer.from(epssFile(10)), origin: "small.csv" });
    expect(first.entries).toBe(10);
    const big = gzipSync(
      epssFile(300_000, [
        ["CVE-2021-44228", 0.94358, 0.99968],
        ["CVE-2024-1111", 0.9, 0.99],
        ["CVE-2024-2222", 0.01, 0.4],
      ]),
    );
    const started = Date.now();
    const r = await importIntel(op, { source: "epss", bytes: big, origin: "https://example.test/epss.csv.gz" });
    const ms = Date.now() - started;
    expect(r).toMatchObject({ entries: 300_003, version: "v2025.03.14", publishedAt: "2025-09-03T00:00:00.000Z" });
    expect(await count(op, "intel_epss")).toBe(300_003);
    // Batched writes: well under a minute even on the embedded database on a busy machine.
    expect(ms).toBeLessThan(60_000);
  }, 180_000);

  describe("findings, the gate, remediation and the scorecard", () => {
    let svc: string;
    let serviceId: string;
    let tok: ServiceContext;
    const commit = sha("intel-1");

    beforeAll(async () => {
      const { service, team } = await teamWithService(t.ctx({ now }));
      svc = service.slug;
      serviceId = service.id;
      tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
      // Log4Shell known by its GHSA id, the CVE only an alias: matched through the alias.
      await upload(
        tok,
        { service: svc, commit },
        generic(
          "grype",
          [
            dep("GHSA-jfh8-c2jp-5v3q", "medium", "log4j-core", ["CVE-2021-44228"], "2.14.1", "2.17.1"),
            dep("CVE-2024-1111", "high", "netty"),
            dep("CVE-2024-2222", "critical", "jackson"),
            dep("CVE-2024-3333", "critical", "snakeyaml"),
          ],
          { evidence: ["sca"] },
        ),
      );
      await upload(tok, { service: svc, commit }, generic("semgrep", [], { evidence: ["sast"] }));
      await upload(tok, { service: svc, commit }, generic("gitleaks", [], { evidence: ["secrets"] }));
      await upload(tok, { service: svc, commit, path: ".github/workflows/ship.yml" }, GATED_WORKFLOW);
    });

    it("lists findings on KEV (through an alias) and by EPSS, with date added, due date and score", async () => {
      const kev = await listFindings(tok, { service: svc, kev: true });
      expect(kev.items.map((f) => f.vulnerabilityId)).toEqual(["GHSA-jfh8-c2jp-5v3q"]);
      expect(kev.items[0]!.kev).toEqual({ cveId: "CVE-2021-44228", dateAdded: "2021-12-10", dueDate: "2021-12-24" });
      expect(kev.items[0]!.epss).toMatchObject({ cveId: "CVE-2021-44228", epss: expect.closeTo(0.94358, 4) });
      const likely = await listFindings(tok, { service: svc, epssMin: 0.5 });
      expect(likely.items.map((f) => f.vulnerabilityId).sort()).toEqual(["CVE-2024-1111", "GHSA-jfh8-c2jp-5v3q"]);
      const all = await listFindings(tok, { service: svc });
      expect(all.total).toBe(4);
      // The posture page counts the same open finding on KEV, found from the catalog's side through the alias.
      expect((await postureOverview(tok, {}, async () => new Map())).intel.kevOpen).toBe(1);
      expect(all.items.find((f) => f.vulnerabilityId === "CVE-2024-3333")).toMatchObject({ kev: null, epss: null });
      const detail = await getFinding(tok, kev.items[0]!.id);
      expect(detail.kev).toMatchObject({ cveId: "CVE-2021-44228", product: "Log4j2", dueDate: "2021-12-24" });
    });

    it("production blocks with the CVE and CISA's due date; an approved waiver covers it", async () => {
      const d = await evaluateGateRequest(tok, { service: svc, stage: "production", commit });
      const c = d.checks.find((x) => x.id === "known-exploited")!;
      expect(c.status).toBe("fail");
      expect(c.message).toContain("CVE-2021-44228 in log4j-core 2.14.1 (on KEV since 2021-12-10, CISA due date 2021-12-24)");
      expect(c.findings).toHaveLength(1);
      // test only warns
      const atTest = await evaluateGateRequest(tok, { service: svc, stage: "test", commit });
      expect(atTest.checks.find((x) => x.id === "known-exploited")!.status).toBe("warn");

      const w = await createWaiver(tok, {
        service: svc,
        match: { type: "vulnerability", value: "CVE-2021-44228" },
        reason: "JNDI lookups disabled by log4j2.formatMsgNoLookups; upgrade scheduled.",
        expiresInDays: 7,
      });
      const reviewer = t.ctx({
        now,
        actor: { type: "user", id: "usr_sec", label: "sec@example.com", role: "security", teamIds: [] },
      });
      await approveWaiver(reviewer, w.id);
      const after = await evaluateGateRequest(tok, { service: svc, stage: "production", commit });
      const c2 = after.checks.find((x) => x.id === "known-exploited")!;
      expect(c2.status).toBe("pass");
      expect(c2.message).toMatch(/\(1 waived\)/);
    });

    it("orders remediation KEV first, then EPSS × severity, and says why", async () => {
      const view = await remediationActions(tok, { id: serviceId, repoUrl: null });
      expect(view.items.map((a) => a.title)).toEqual([
        "Upgrade log4j-core 2.14.1 → 2.17.1",
        "Upgrade netty 1.0.0 → 2.0.0",
        "Upgrade jackson 1.0.0 → 2.0.0",
        "Upgrade snakeyaml 1.0.0 → 2.0.0",
      ]);
      expect(view.items[0]!.priority.why).toBe(
        "CVE-2021-44228 on CISA KEV since 2021-12-10, due 2021-12-24; EPSS 0.94 (99th percentile)",
      );
      expect(view.items[1]!.priority.why).toBe("EPSS 0.90 (99th percentile)");
      expect(view.items[3]!.priority).toEqual({ kev: null, epss: null, why: null });
    });

    it("the scorecard deducts for the open KEV finding", async () => {
      // The waiver above covers it on the first service; a second service has the same finding unwaived.
      const { service, team } = await teamWithService(t.ctx({ now }));
      const tok2 = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
      await upload(
        tok2,
        { service: service.slug, commit: sha("intel-2") },
        generic("grype", [dep("GHSA-jfh8-c2jp-5v3q", "medium", "log4j-core", ["CVE-2021-44228"])], { evidence: ["sca"] }),
      );
      const card = await computeServiceScorecard(tok2, service.id);
      const d = card.deductions.find((x) => x.id === "exploited:3");
      expect(d?.reason).toBe("1 open finding in dependencies on CISA's Known Exploited Vulnerabilities list (CVE-2021-44228)");
      expect(d?.points).toBe(15);
      const waivedCard = await computeServiceScorecard(tok, serviceId);
      expect(waivedCard.deductions.find((x) => x.id === "exploited:3")).toBeUndefined();
    });
  });

  it("a finding named by several CVEs takes the earliest-due KEV entry and the highest EPSS among them", async () => {
    const { service, team } = await teamWithService(t.ctx({ now }));
    const tok3 = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
    await upload(
      tok3,
      { service: service.slug, commit: sha("intel-3") },
      generic(
        "grype",
        [
          // Two KEV entries (due 2023-05-22 and 2021-12-24) and three EPSS scores (0.94 the highest).
          dep("CVE-2021-45046", "low", "log4j-api", ["CVE-2021-44228", "CVE-2024-2222"]),
          // No KEV entry; its own id scores 0.01, its alias 0.90.
          dep("CVE-2024-2222", "medium", "guava", ["CVE-2024-1111"]),
          // On KEV (due 2022-05-03), no EPSS score.
          dep("CVE-2017-5638", "low", "struts"),
        ],
        { evidence: ["sca"] },
      ),
    );
    const view = await remediationActions(tok3, { id: service.id, repoUrl: null });
    expect(view.items.map((a) => [a.title, a.priority.why])).toEqual([
      [
        "Upgrade log4j-api 1.0.0 → 2.0.0",
        "CVE-2021-44228 on CISA KEV since 2021-12-10, due 2021-12-24; EPSS 0.94 (99th percentile)",
      ],
      ["Upgrade struts 1.0.0 → 2.0.0", "CVE-2017-5638 on CISA KEV since 2021-11-03, due 2022-05-03"],
      ["Upgrade guava 1.0.0 → 2.0.0", "EPSS 0.90 (99th percentile)"],
    ]);
    expect(view.items[2]!.priority.epss).toMatchObject({ cveId: "CVE-2024-1111", epss: expect.closeTo(0.9, 4) });
  });

  it("a changed KEV catalog re-checks the stages where something runs", async () => {
    const { service, team } = await teamWithService(t.ctx({ now }));
    const tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
    const commit = sha("intel-deployed");
    await upload(
      tok,
      { service: service.slug, commit },
      generic("grype", [dep("CVE-2017-5638", "low", "struts2-core")], { evidence: ["sca"] }),
    );
    await recordDeployment(tok, { service: service.slug, stage: "test", commit });
    const due = async () =>
      (
        await queryRows<{ reasons: string[] }>(
          op.db,
          sql`select reasons from stage_status where service_id = ${service.id} and stage = 'test'`,
        )
      )[0]?.reasons ?? [];
    const before = await due();
    expect(before).not.toContain("intel");
    // The same catalog again changes nothing and re-checks nothing; a new one does.
    await importIntel(op, { source: "kev", bytes: kevBytes(), origin: KEV_FILE });
    expect(await due()).not.toContain("intel");
    const catalog = JSON.parse(kevBytes().toString("utf8")) as { count: number; vulnerabilities: unknown[] };
    catalog.vulnerabilities = catalog.vulnerabilities.slice(0, 1400);
    catalog.count = 1400;
    await importIntel(op, { source: "kev", bytes: Buffer.from(JSON.stringify(catalog)), origin: "edited.json" });
    expect(await due()).toContain("intel");
  });

  it("the gate matches the catalog of the latest import at once, whichever it is (its entries are kept per import)", async () => {
    const { service, team } = await teamWithService(t.ctx({ now }));
    const tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
    const commit = sha("intel-memory");
    await upload(
      tok,
      { service: service.slug, commit },
      generic("grype", [dep("GHSA-jfh8-c2jp-5v3q", "low", "log4j-core", ["CVE-2021-44228"], "2.14.1", "2.17.1")], {
        evidence: ["sca"],
      }),
    );
    const kevCheck = async () =>
      (await evaluateGateRequest(tok, { service: service.slug, stage: "production", commit })).checks.find(
        (c) => c.id === "known-exploited",
      )!;
    const full = kevBytes();
    const catalog = JSON.parse(full.toString("utf8")) as { count: number; vulnerabilities: { cveID: string }[] };
    const without = { ...catalog, vulnerabilities: catalog.vulnerabilities.filter((v) => v.cveID !== "CVE-2021-44228") };
    without.count = without.vulnerabilities.length;
    const withoutBytes = Buffer.from(JSON.stringify(without));
    const left = Buffer.from(
      JSON.stringify({ ...catalog, vulnerabilities: catalog.vulnerabilities.slice(0, 1400), count: 1400 }),
    );

    await importIntel(op, { source: "kev", bytes: withoutBytes, origin: "without-log4shell.json" });
    expect((await kevCheck()).status).toBe("pass");
    await importIntel(op, { source: "kev", bytes: full, origin: KEV_FILE });
    const flagged = await kevCheck();
    expect(flagged.status).toBe("fail");
    expect(flagged.message).toContain("CVE-2021-44228 in log4j-core 2.14.1 (on KEV since 2021-12-10, CISA due date 2021-12-24)");
    await importIntel(op, { source: "kev", bytes: withoutBytes, origin: "without-log4shell.json" });
    expect((await kevCheck()).status).toBe("pass");
    // The catalog as the test before left it, for those after.
    await importIntel(op, { source: "kev", bytes: left, origin: "edited.json" });
  });

  describe("the daily sync", () => {
    let server: Server;
    let base: string;
    const hits: string[] = [];
    let epssStatus = 200;
    let epssBody: Buffer = gzipSync(epssFile(1000, [["CVE-2021-44228", 0.9, 0.99]], "2025-09-05"));

    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(req.url ?? "");
        if (req.url === "/kev.json") return res.writeHead(200, { "content-type": "application/json" }).end(kevBytes());
        if (req.url === "/epss.csv.gz") return res.writeHead(epssStatus, { "content-type": "application/gzip" }).end(epssBody);
        if (req.url === "/huge") {
          res.writeHead(200);
          const chunk = Buffer.alloc(1024 * 1024, 32);
          for (let i = 0; i < 8; i++) res.write(chunk);
          return res.end();
        }
        if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end("{}"), 3_000);
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const config = () => ({ enabled: true, kevUrl: `${base}/kev.json`, epssUrl: `${base}/epss.csv.gz` });

    it("fetches both feeds when due, then not again within a day; a failing feed keeps its data and says why", async () => {
      clock = new Date("2025-09-07T12:00:00Z");
      const sys = t.ctx({ now, actor: { type: "system", label: "system:intel-sync" } });
      const r = await runIntelSync(sys, config());
      expect(r.status).toBe("synced");
      if (r.status !== "synced") return;
      expect(r.failed).toEqual([]);
      expect(r.imported.map((i) => [i.source, i.entries])).toEqual([
        ["kev", 1404],
        ["epss", 1001],
      ]);
      expect(hits).toEqual(["/kev.json", "/epss.csv.gz"]);
      expect((await intelStatus(sys)).epss).toMatchObject({ origin: `${base}/epss.csv.gz`, entries: 1001 });

      clock = new Date("2025-09-08T06:00:00Z");
      expect(await runIntelSync(sys, config())).toEqual({ status: "not-due" });
      expect(hits).toHaveLength(2);

      // Next day the EPSS publisher fails: KEV is refreshed, EPSS keeps yesterday's scores, the error is recorded.
      clock = new Date("2025-09-08T13:00:00Z");
      epssStatus = 503;
      const failed = await runIntelSync(sys, config());
      expect(failed).toMatchObject({
        status: "synced",
        failed: [{ source: "epss", error: expect.stringContaining("HTTP 503") }],
      });
      expect(await count(sys, "intel_epss")).toBe(1001);
      const [state] = await queryRows<{ last_error: string; lease_until: unknown }>(
        sys.db,
        sql`select last_error, lease_until from intel_sync`,
      );
      expect(state).toMatchObject({ lease_until: null, last_error: expect.stringContaining("epss: Fetching") });
      // A failure is retried after an hour, not on every check.
      clock = new Date("2025-09-08T13:30:00Z");
      expect(await runIntelSync(sys, config())).toEqual({ status: "busy" });
      clock = new Date("2025-09-08T14:30:00Z");
      epssStatus = 200;
      epssBody = gzipSync(epssFile(2000, [], "2025-09-08"));
      const recovered = await runIntelSync(sys, config());
      expect(recovered).toMatchObject({ status: "synced", failed: [], imported: [{ source: "epss", entries: 2000 }] });
    });

    it("one instance at a time: a held lease makes the others skip", async () => {
      const sys = t.ctx({ now, actor: { type: "system", label: "system:intel-sync" } });
      clock = new Date("2025-09-10T12:00:00Z");
      await sys.db.execute(
        sql`update intel_sync set lease_until = ${new Date(clock.getTime() + 60_000).toISOString()}::timestamptz`,
      );
      const before = hits.length;
      expect(await runIntelSync(sys, config())).toEqual({ status: "busy" });
      expect(hits.length).toBe(before);
      await sys.db.execute(sql`update intel_sync set lease_until = null`);
    });

    it("caps what it downloads, in size and in time", async () => {
      const readFile = () => Promise.reject(new Error("no files"));
      await expect(readIntelSource(`${base}/huge`, { maxBytes: 1024 * 1024, readFile })).rejects.toMatchObject({
        code: "payload_too_large",
      });
      await expect(readIntelSource(`${base}/slow`, { timeoutMs: 300, readFile })).rejects.toMatchObject({
        code: "unavailable",
        message: expect.stringMatching(/timed out/),
      });
    });

    it("stale intel with the sync on is an area 7 signal and shows on the posture page", async () => {
      const { service, team } = await teamWithService(t.ctx({ now }));
      const tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
      await upload(tok, { service: service.slug, commit: sha("stale") }, generic("semgrep", [], { evidence: ["sast"] }));
      // The last imports were on 2025-09-08 (KEV) and 2025-09-08 (EPSS); eight days later they are stale.
      clock = new Date("2025-09-16T15:00:00Z");
      const signal = async () =>
        (await computeServiceScorecard(tok, service.id)).deductions.find((d) => d.id === "signal:stale-intel");
      expect(await signal()).toBeUndefined();
      configureIntelSync(config());
      try {
        expect((await signal())?.reason).toMatch(
          /^threat intelligence not refreshed in 7 days with the daily sync on: KEV 8 days old, EPSS 8 days old$/,
        );
        const posture = await postureOverview(tok, {}, async () => new Map());
        expect(posture.intel).toMatchObject({ syncEnabled: true, stale: true, kev: { ageDays: 8, entries: 1404 } });
        clock = new Date("2025-09-10T12:00:00Z");
        expect(await signal()).toBeUndefined();
        expect((await postureOverview(tok, {}, async () => new Map())).intel.stale).toBe(false);
      } finally {
        configureIntelSync({ enabled: false, kevUrl: "", epssUrl: "" });
      }
    });
  });
});
