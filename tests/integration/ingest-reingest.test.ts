// Re-ingest on a real database: a finding seen again unchanged only gets its last sighting; one that changes
// merges exactly as before (severity only rises, lines move, fixed versions, aliases and tools accumulate).
import { eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { findings, findingTracks, scanFindings } from "@/db/schema";
import type { ServiceContext } from "@/server/context";
import { forcedCollections } from "@/server/heap";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { sarifOfSize } from "@/tests/bench/lib/generate";

type Finding = typeof findings.$inferSelect;
type Scope = typeof findingTracks.$inferSelect;

const code = (rule: string, file: string, line: number, extra: Record<string, unknown> = {}) => ({
  kind: "code",
  ruleId: rule,
  title: `${rule} in ${file}`,
  severity: "medium",
  location: { file, startLine: line, snippet: `${rule}()` },
  ...extra,
});

const dep = (vuln: string, extra: Record<string, unknown> = {}, pkg: Record<string, unknown> = {}) => ({
  kind: "dependency",
  ruleId: vuln,
  title: `${vuln} in lodash`,
  severity: "high",
  vulnerabilityId: vuln,
  package: { purl: "pkg:npm/lodash@4.17.15", name: "lodash", version: "4.17.15", ...pkg },
  ...extra,
});

describeEachDatabase("re-ingest", (t) => {
  let tok: ServiceContext;
  let serviceId: string;
  let serviceSlug: string;
  let minute = 0;

  beforeAll(async () => {
    const made = await teamWithService(t.ctx());
    serviceId = made.service.id;
    serviceSlug = made.service.slug;
    tok = await tokenContext(t.ctx(), { team: made.team.slug, scopes: ["scans:write"] });
  });

  /** Uploads at its own minute, so that every sighting has a distinct time. */
  async function uploadAt(commit: string, body: string, branch = "main") {
    const at = new Date(Date.UTC(2026, 0, 1, 12, ++minute));
    const r = await upload({ ...tok, now: () => at }, { service: serviceSlug, commit, branch }, body);
    return { ...r, at };
  }

  async function state() {
    const rows = await t.db().select().from(findings).where(eq(findings.serviceId, serviceId));
    const scopes = await t.db().select().from(findingTracks).where(eq(findingTracks.serviceId, serviceId));
    return {
      byRule: new Map<string, Finding>(rows.map((f) => [`${f.ruleId}|${f.file ?? ""}`, f])),
      scopes: new Map<string, Scope>(scopes.map((s) => [`${s.findingId}|${s.trackKey}`, s])),
    };
  }

  it("records an unchanged re-ingest as a new scan whose findings only get their last sighting", async () => {
    const body = generic("semgrep", [code("r1", "a.py", 1), code("r2", "b.py", 2), code("r3", "c.py", 3, { suppressed: true })]);
    const first = await uploadAt(sha(100), body);
    expect(first.statistics).toMatchObject({ findings: 2, created: 2 });
    const before = await state();

    const again = await uploadAt(sha(101), body);
    expect(again.duplicate).toBe(false);
    expect(again.statistics).toMatchObject({ findings: 2, created: 0, unchanged: 2, reopened: 0, closed: 0 });
    const after = await state();
    expect(after.byRule.size).toBe(3);
    for (const [key, f] of before.byRule) {
      // Everything but the last sighting is as it was, down to the id.
      expect(after.byRule.get(key)).toEqual({ ...f, lastSeenAt: again.at, lastCommit: sha(101) });
    }
    expect(after.scopes.size).toBe(3);
    for (const [key, s] of before.scopes) {
      expect(after.scopes.get(key)).toEqual({ ...s, lastSeenAt: again.at, lastScanId: again.scan.id });
    }
    const sightings = await t.db().select().from(scanFindings).where(eq(scanFindings.scanId, again.scan.id));
    expect(sightings).toHaveLength(3);
    expect(sightings.every((s) => s.commit === sha(101))).toBe(true);
  });

  it("updates exactly the finding that changed, and only as the merge rules say", async () => {
    const body = (r1: Record<string, unknown>) =>
      generic("semgrep", [code("r1", "a.py", 1, r1), code("r2", "b.py", 2), code("r3", "c.py", 3, { suppressed: true })]);
    const before = await state();

    // r1 moves and rises in severity; r2 and r3 are seen unchanged.
    const moved = await uploadAt(
      sha(102),
      body({ severity: "critical", location: { file: "a.py", startLine: 9, snippet: "r1()" } }),
    );
    expect(moved.statistics).toMatchObject({ findings: 2, unchanged: 2, created: 0 });
    const after = await state();
    const r1 = before.byRule.get("r1|a.py")!;
    expect(after.byRule.get("r1|a.py")).toEqual({
      ...r1,
      severity: "critical",
      severityRank: 5,
      startLine: 9,
      endLine: null,
      lastSeenAt: moved.at,
      lastCommit: sha(102),
    });
    for (const key of ["r2|b.py", "r3|c.py"]) {
      expect(after.byRule.get(key)).toEqual({ ...before.byRule.get(key)!, lastSeenAt: moved.at, lastCommit: sha(102) });
    }

    // A lower severity never lowers the stored one; un-suppressing is a change.
    const lower = await uploadAt(
      sha(103),
      generic("semgrep", [code("r1", "a.py", 9, { severity: "low" }), code("r2", "b.py", 2), code("r3", "c.py", 3)]),
    );
    expect(lower.statistics).toMatchObject({ findings: 3, unchanged: 3 });
    const last = await state();
    expect(last.byRule.get("r1|a.py")).toMatchObject({ severity: "critical", severityRank: 5, startLine: 9 });
    expect(last.byRule.get("r3|c.py")).toEqual({
      ...after.byRule.get("r3|c.py")!,
      suppressed: 0,
      lastSeenAt: lower.at,
      lastCommit: sha(103),
    });
  });

  it("merges fixed versions, aliases and tools of a stored dependency finding, and leaves the others alone", async () => {
    const { service } = await teamWithService(t.ctx());
    const dt = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const send = (tool: string, commit: string, items: Record<string, unknown>[]) =>
      upload(dt, { service: service.slug, commit }, generic(tool, items));
    const rows = async () => {
      const list = await t.db().select().from(findings).where(eq(findings.serviceId, service.id));
      return new Map(list.map((f) => [f.vulnerabilityId!, f]));
    };
    await send("trivy", sha(110), [dep("CVE-2021-23337"), dep("CVE-2020-8203", {}, { fixedVersions: ["4.17.19"] })]);
    const before = await rows();

    // Another tool, a new alias and fixed version for the first; the second is seen again as it was by trivy.
    await send("trivy", sha(111), [
      dep("CVE-2021-23337", { aliases: ["GHSA-35jh-r3h4-6jhm"] }, { fixedVersions: ["4.17.21"] }),
      dep("CVE-2020-8203", {}, { fixedVersions: ["4.17.19"] }),
    ]);
    await send("grype", sha(112), [dep("CVE-2021-23337")]);
    const after = await rows();
    expect(after.get("CVE-2021-23337")).toMatchObject({
      id: before.get("CVE-2021-23337")!.id,
      aliases: ["GHSA-35jh-r3h4-6jhm"],
      fixedVersions: ["4.17.21"],
      tools: ["grype", "trivy"],
      lastCommit: sha(112),
    });
    expect(after.get("CVE-2020-8203")).toEqual({
      ...before.get("CVE-2020-8203")!,
      lastSeenAt: after.get("CVE-2020-8203")!.lastSeenAt,
      lastCommit: sha(111),
    });

    // npm audit knows it by its GHSA only: it joins the stored finding instead of making a second one.
    const ghsaOnly = await send("npm", sha(113), [dep("GHSA-35jh-r3h4-6jhm")]);
    expect(ghsaOnly.statistics).toMatchObject({ findings: 1, created: 0, merged: 1 });
    const merged = await rows();
    expect(merged.size).toBe(2);
    expect(merged.get("CVE-2021-23337")!.tools).toEqual(["grype", "npm", "trivy"]);
  });

  it("stores text without NUL characters and sees the same finding again unchanged", async () => {
    const body = generic("nul-tool", [code("nul\u0000rule", "n\u0000.py", 4, { title: "bad\u0000title" })]);
    const first = await uploadAt(sha(120), body);
    expect(first.statistics.created).toBe(1);
    const [row] = await queryRows<{ rule_id: string; title: string; file: string }>(
      t.db(),
      sql`select rule_id, title, file from findings where service_id = ${serviceId} and rule_id like 'nul%'`,
    );
    expect(row).toEqual({ rule_id: "nulrule", title: "badtitle", file: "n.py" });
    const again = await uploadAt(sha(121), body);
    expect(again.statistics).toMatchObject({ findings: 1, unchanged: 1, created: 0 });
  });

  it("writes reports larger than one statement's batch completely, first and again", async () => {
    const { service } = await teamWithService(t.ctx());
    const bt = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const many = (n: number) =>
      generic(
        "bulk",
        Array.from({ length: n }, (_, i) => code(`rule-${i % 50}`, `src/f${i}.js`, i + 1)),
      );
    const count = async (scanId: string) =>
      (
        await queryRows<{ findings: number; open_scopes: number; sightings: number }>(
          t.db(),
          sql`select (select count(*)::int from findings where service_id = ${service.id} and status = 'open') as findings,
                     (select count(*)::int from finding_tracks where service_id = ${service.id} and status = 'open'
                        and last_scan_id = ${scanId}) as open_scopes,
                     (select count(*)::int from scan_findings where scan_id = ${scanId}) as sightings`,
        )
      )[0];
    const first = await upload(bt, { service: service.slug, commit: sha(130) }, many(25_001));
    expect(first.statistics).toMatchObject({ findings: 25_001, created: 25_001 });
    expect(await count(first.scan.id)).toEqual({ findings: 25_001, open_scopes: 25_001, sightings: 25_001 });
    const again = await upload(bt, { service: service.slug, commit: sha(131) }, many(24_000));
    expect(again.statistics).toMatchObject({ findings: 24_000, unchanged: 24_000, closed: 1_001 });
    expect(await count(again.scan.id)).toEqual({ findings: 24_000, open_scopes: 24_000, sightings: 24_000 });
  }, 300_000);

  it("collects garbage as it goes through a report of 16 MiB and more, and lands it whole, first and again", async () => {
    const { service } = await teamWithService(t.ctx());
    const bt = await tokenContext(t.ctx(), { team: service.teamSlug, scopes: ["scans:write"] });
    const forced = async (work: () => Promise<unknown>) => {
      const before = forcedCollections();
      await work();
      return forcedCollections() - before;
    };
    const small = generic("small", [code("small-rule", "src/a.js", 1)]);
    expect(await forced(() => upload(bt, { service: service.slug, commit: sha(140) }, small))).toBe(0);

    const big = sarifOfSize(17 * 1024 * 1024, 4_000);
    expect(big.byteLength).toBeGreaterThan(16 * 1024 * 1024);
    let first: Awaited<ReturnType<typeof upload>> | undefined;
    // Once the body is decoded and once the findings are normalized, at least.
    expect(
      await forced(async () => (first = await upload(bt, { service: service.slug, commit: sha(141) }, big))),
    ).toBeGreaterThanOrEqual(2);
    expect(first!.statistics).toMatchObject({ findings: 4_000, created: 4_000 });
    let again: Awaited<ReturnType<typeof upload>> | undefined;
    expect(
      await forced(async () => (again = await upload(bt, { service: service.slug, commit: sha(142) }, big))),
    ).toBeGreaterThanOrEqual(2);
    expect(again!.statistics).toMatchObject({ findings: 4_000, unchanged: 4_000, created: 0 });
    const [row] = await queryRows<{ n: number }>(
      t.db(),
      sql`select count(*)::int as n from scan_findings where scan_id = ${again!.scan.id}`,
    );
    expect(row!.n).toBe(4_000);
  }, 300_000);
});
