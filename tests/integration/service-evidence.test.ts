// The newest scan per service and evidence kind (service_evidence), kept by triggers on scans: what the posture view
// reads for stale or missing evidence and the lists for "last scan". An ingest shows at once; a migrated installation
// gets its earlier scans counted (migration 0019's backfill); whatever changes the scans, the table says what the scans say.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database, type DbHandle } from "@/db/client";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import type { ServiceContext } from "@/server/context";
import { createService } from "@/server/services/services";
import { backends, describeEachDatabase } from "@/tests/helpers/db";
import { upgradedDatabase } from "@/tests/helpers/migrations";
import { generic, sha, teamWithService, uniqueSlug, upload } from "@/tests/helpers/fixtures";

const DAY = 86_400_000;
const BEFORE = "0018_findings_read_indexes";

type Row = { service_id: string; kind: string; received_at: string; scanned_at: string };

const iso = (v: string | Date) => new Date(v).toISOString();
const sorted = (rows: Row[]) =>
  rows
    .map((r) => ({ ...r, received_at: iso(r.received_at), scanned_at: iso(r.scanned_at) }))
    .sort((a, b) => (a.service_id + " " + a.kind < b.service_id + " " + b.kind ? -1 : 1));

async function table(db: Database): Promise<Row[]> {
  const rows = await queryRows<Row>(db, sql`select service_id, kind, received_at, scanned_at from service_evidence`);
  return sorted(rows);
}

/** The same, counted from every scan: the newest complete scan per kind, and the newest scan of any kind ('*'). */
async function counted(db: Database): Promise<Row[]> {
  const rows = await queryRows<Row>(
    db,
    sql`select service_id, kind, max(received_at) as received_at, max(scanned_at) as scanned_at from (
          select sc.service_id, e as kind, sc.received_at, sc.scanned_at from scans sc, unnest(sc.evidence) e
          where sc.status = 'complete'
          union all
          select sc.service_id, '*', sc.received_at, sc.scanned_at from scans sc) x
        group by service_id, kind`,
  );
  return sorted(rows);
}

describeEachDatabase("the newest evidence per service", (t) => {
  const start = new Date("2026-03-01T10:00:00Z");
  let clock = start;
  const now = () => clock;
  let ops: ServiceContext;
  const sec: UserActor = { type: "user", id: "usr_sec_evidence", label: "sec@example.com", role: "security", teamIds: [] };
  const posture = (team: string) =>
    createCaller({ db: t.db(), now, actor: sec } satisfies TrpcContext).posture.overview({ team });
  const w = { team: "", svc: "", svcId: "", other: "", otherId: "" };

  beforeAll(async () => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
    const { team, service } = await teamWithService(ops);
    const other = await createService(ops, { team: team.slug, slug: uniqueSlug("other") });
    Object.assign(w, { team: team.slug, svc: service.slug, svcId: service.id, other: other.slug, otherId: other.id });
  });

  it("shows a scan in the posture as soon as it is ingested, by kind, and failed scans only as the last scan", async () => {
    const gaps = async () =>
      (await posture(w.team)).evidenceGaps.filter((g) => g.service === w.svc).map((g) => `${g.kind}:${g.state}`);
    expect(await gaps()).toEqual(["sast:missing", "sca-or-sbom:missing", "secrets:missing"]);

    await upload(ops, { service: w.svc, commit: sha("e1") }, generic("semgrep", [], { evidence: ["sast"] }));
    expect(await gaps()).toEqual(["sca-or-sbom:missing", "secrets:missing"]);
    expect(await table(t.db())).toEqual(
      expect.arrayContaining([
        { service_id: w.svcId, kind: "sast", received_at: start.toISOString(), scanned_at: start.toISOString() },
        { service_id: w.svcId, kind: "*", received_at: start.toISOString(), scanned_at: start.toISOString() },
      ]),
    );

    // A failed scanner run: the newest scan of the service, but no sca evidence.
    clock = new Date(start.getTime() + DAY);
    const npmError = JSON.stringify({ message: "405 Method Not Allowed", error: { code: "E405", summary: "405" } });
    expect((await upload(ops, { service: w.svc, commit: sha("e2") }, npmError)).scan.status).toBe("failed");
    expect(await gaps()).toEqual(["sca-or-sbom:missing", "secrets:missing"]);
    const row = (await posture(w.team)).services.find((s) => s.slug === w.svc)!;
    expect(row.lastScanAt).toBe(clock.toISOString());

    // An SBOM counts for sca-or-sbom; a report produced earlier than it arrived ages from when it was produced.
    clock = new Date(start.getTime() + 2 * DAY);
    const produced = new Date(clock.getTime() - 3_600_000).toISOString();
    await upload(
      ops,
      { service: w.svc, commit: sha("e3") },
      generic("syft", [], { evidence: ["sbom", "secrets"], generatedAt: produced }),
    );
    expect(await gaps()).toEqual([]);
    expect((await table(t.db())).find((r) => r.service_id === w.svcId && r.kind === "sbom")).toEqual({
      service_id: w.svcId,
      kind: "sbom",
      received_at: clock.toISOString(),
      scanned_at: produced,
    });

    // 40 days on, all of it is stale; a new SAST scan is fresh at once.
    clock = new Date(start.getTime() + 42 * DAY);
    expect(await gaps()).toEqual(["sast:stale", "sca-or-sbom:stale", "secrets:stale"]);
    // Worst first across services (the page shows the first few): never sent, then the stalest.
    expect((await posture(w.team)).evidenceGaps.map((g) => `${g.service} ${g.kind} ${g.state} ${g.ageDays}`)).toEqual([
      `${w.other} sast missing null`,
      `${w.other} sca-or-sbom missing null`,
      `${w.other} secrets missing null`,
      `${w.svc} sast stale 42`,
      `${w.svc} sca-or-sbom stale 40`,
      `${w.svc} secrets stale 40`,
    ]);
    await upload(ops, { service: w.svc, commit: sha("e4") }, generic("semgrep", [], { evidence: ["sast"] }));
    expect(await gaps()).toEqual(["sca-or-sbom:stale", "secrets:stale"]);
    // Evidence ages from when the scan was produced, as the gate's freshness rule says, not from when it arrived.
    const old = new Date(clock.getTime() - 35 * DAY).toISOString();
    await upload(
      ops,
      { service: w.svc, commit: sha("e5") },
      generic("gitleaks", [], { evidence: ["secrets"], generatedAt: old }),
    );
    expect((await posture(w.team)).evidenceGaps.filter((g) => g.service === w.svc)).toEqual([
      { service: w.svc, name: expect.any(String), kind: "sca-or-sbom", state: "stale", ageDays: 40 },
      { service: w.svc, name: expect.any(String), kind: "secrets", state: "stale", ageDays: 35 },
    ]);
    expect(await table(t.db())).toEqual(await counted(t.db()));
  });

  it("follows scans changed or deleted outside Gatehouse, counting the services concerned again", async () => {
    await upload(ops, { service: w.other, commit: sha("o1") }, generic("semgrep", [], { evidence: ["sast"] }));
    clock = new Date(clock.getTime() + DAY);
    await upload(ops, { service: w.other, commit: sha("o2") }, generic("semgrep", [], { evidence: ["sast"] }));
    const [newest] = await queryRows<{ id: string }>(
      t.db(),
      sql`select id from scans where service_id = ${w.otherId} order by received_at desc limit 1`,
    );
    await t.db().execute(sql`update scans set status = 'failed' where id = ${newest!.id}`);
    expect(await table(t.db())).toEqual(await counted(t.db()));
    const sast = (await table(t.db())).find((r) => r.service_id === w.otherId && r.kind === "sast")!;
    expect(sast.received_at).toBe(new Date(clock.getTime() - DAY).toISOString());

    // A scan that nothing refers to yet (as an operator might remove one): the service's rows are counted again.
    await t.db().execute(
      sql`insert into scans (id, service_id, commit, branch, format, tool_name, status, evidence, parts, report_sha256,
                             report_bytes, dedup_key, statistics, warnings, received_at, scanned_at)
          select 'scan_manual', ${w.otherId}, ${sha("o3")}, 'main', 'generic', 'checkov', 'complete', array['iac'], '[]',
                 'x', 1, 'manual', '{}', '[]', ${new Date(clock.getTime() + DAY).toISOString()}::timestamptz,
                 ${new Date(clock.getTime() + DAY).toISOString()}::timestamptz`,
    );
    expect((await table(t.db())).some((r) => r.service_id === w.otherId && r.kind === "iac")).toBe(true);
    await t.db().execute(sql`delete from scans where id = 'scan_manual'`);
    expect((await table(t.db())).some((r) => r.service_id === w.otherId && r.kind === "iac")).toBe(false);
    expect(await table(t.db())).toEqual(await counted(t.db()));
  });
});

for (const kind of backends()) {
  describe(`upgrading an installation with scans to the evidence table [${kind}]`, () => {
    let h: DbHandle;

    beforeAll(async () => {
      h = await upgradedDatabase(kind, BEFORE, async (run) => {
        await run(`insert into teams (id, slug, name, created_at) values ('team_a', 'alpha', 'Alpha', now())`);
        await run(`insert into services (id, team_id, slug, name, created_at, updated_at)
                   values ('svc_a', 'team_a', 'a', 'A', now(), now()), ('svc_b', 'team_a', 'b', 'B', now(), now()),
                          ('svc_none', 'team_a', 'none', 'None', now(), now())`);
        // svc_a: two SAST scans (the newer one received later but produced earlier), an sca+container scan, a failed
        // secrets scan (the newest of all); svc_b: only a failed scan.
        const scan = (id: string, svc: string, status: string, evidence: string, received: string, scanned: string) =>
          `('${id}', '${svc}', 'c-${id}', 'main', 'generic', 'tool', '${status}', '${evidence}', '[]', 'h', 1, 'd-${id}', '{}', '[]',
            '${received}', '${scanned}')`;
        await run(`insert into scans (id, service_id, commit, branch, format, tool_name, status, evidence, parts, report_sha256,
                                      report_bytes, dedup_key, statistics, warnings, received_at, scanned_at) values
          ${scan("s1", "svc_a", "complete", "{sast}", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")},
          ${scan("s2", "svc_a", "complete", "{sast}", "2026-01-05T00:00:00Z", "2025-12-30T00:00:00Z")},
          ${scan("s3", "svc_a", "complete", "{sca,container}", "2026-01-03T00:00:00Z", "2026-01-02T00:00:00Z")},
          ${scan("s4", "svc_a", "failed", "{secrets}", "2026-01-09T00:00:00Z", "2026-01-09T00:00:00Z")},
          ${scan("s5", "svc_b", "failed", "{sast}", "2026-01-07T00:00:00Z", "2026-01-06T00:00:00Z")}`);
      });
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it("counts every earlier scan, as the posture query did", async () => {
      const at = (d: string) => new Date(d).toISOString();
      expect(await table(h.db)).toEqual([
        { service_id: "svc_a", kind: "*", received_at: at("2026-01-09T00:00:00Z"), scanned_at: at("2026-01-09T00:00:00Z") },
        {
          service_id: "svc_a",
          kind: "container",
          received_at: at("2026-01-03T00:00:00Z"),
          scanned_at: at("2026-01-02T00:00:00Z"),
        },
        { service_id: "svc_a", kind: "sast", received_at: at("2026-01-05T00:00:00Z"), scanned_at: at("2026-01-01T00:00:00Z") },
        { service_id: "svc_a", kind: "sca", received_at: at("2026-01-03T00:00:00Z"), scanned_at: at("2026-01-02T00:00:00Z") },
        { service_id: "svc_b", kind: "*", received_at: at("2026-01-07T00:00:00Z"), scanned_at: at("2026-01-06T00:00:00Z") },
      ]);
      expect(await table(h.db)).toEqual(await counted(h.db));
      // And the triggers keep it from there.
      await h.db.execute(
        sql.raw(`insert into scans (id, service_id, commit, branch, format, tool_name, status, evidence, parts,
                                   report_sha256, report_bytes, dedup_key, statistics, warnings, received_at, scanned_at)
        values ('s6', 'svc_none', 'c6', 'main', 'generic', 'tool', 'complete', '{secrets}', '[]', 'h', 1, 'd-s6', '{}', '[]',
                '2026-01-10T00:00:00Z', '2026-01-10T00:00:00Z')`),
      );
      expect(await table(h.db)).toEqual(await counted(h.db));
      expect((await table(h.db)).filter((r) => r.service_id === "svc_none").map((r) => r.kind)).toEqual(["*", "secrets"]);
    });
  });
}
