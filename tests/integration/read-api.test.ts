// The read API for integrations: GET /api/v1/services, /services/{slug}, /findings and /gate/decisions answer what the
// dashboard's views answer for the same scope, page with a cursor without gaps or repeats, and see only what the token
// sees (its team; a service-bound token its services). Every answer is checked against the route's contract.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as findingsRoute from "@/app/api/v1/findings/route";
import * as decisionsRoute from "@/app/api/v1/gate/decisions/route";
import * as serviceRoute from "@/app/api/v1/services/[slug]/route";
import * as servicesRoute from "@/app/api/v1/services/route";
import type { Actor, ServiceContext } from "@/server/context";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { createToken, type TokenScope } from "@/server/tokens/tokens";
import { listDecisions } from "@/server/views/decisions";
import { listFindings } from "@/server/views/findings";
import { FINDING_SORTS } from "@/server/views/filters";
import { scoresOf } from "@/server/views/scores";
import { listServicesView } from "@/server/views/services";
import { checked } from "@/tests/helpers/contract";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, tokenContext, uniqueSlug, upload } from "@/tests/helpers/fixtures";

type Page<T> = { items: T[]; nextCursor: string | null };
type Finding = { id: string; severity: string; service: { slug: string } };
const base = "http://localhost";

const finding = (ruleId: string, severity: string, file: string, extra: Record<string, unknown> = {}) => ({
  kind: "code",
  ruleId,
  title: `${ruleId} in ${file}`,
  severity,
  location: { file, startLine: 3 },
  ...extra,
});

describeEachDatabase("the read API", (t) => {
  const w = { team: "", other: "", a: "", b: "", theirs: "", teamId: "" };
  const tokens: Record<string, string> = {};
  let ops: ServiceContext;
  let member: ServiceContext;

  const get = async (route: unknown, path: string, token: string | undefined, params: Record<string, string> = {}) => {
    const res = await checked(route)(
      new Request(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
      params,
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Every item of a cursor list, page by page; also checks that pages never repeat an item. */
  const all = async <T extends { id?: string; slug?: string }>(route: unknown, path: string, token: string): Promise<T[]> => {
    const out: T[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 200; i++) {
      const sep = path.includes("?") ? "&" : "?";
      const r = await get(route, `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""}`, token);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const page = r.body as unknown as Page<T>;
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    const keys = out.map((x) => x.id ?? x.slug);
    expect(new Set(keys).size, "no item twice").toBe(keys.length);
    return out;
  };

  beforeAll(async () => {
    ops = t.ctx({ actor: { type: "cli", label: "cli:test" } });
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    const team = await createTeam(ops, { slug: uniqueSlug("read") });
    const other = await createTeam(ops, { slug: uniqueSlug("else") });
    Object.assign(w, { team: team.slug, other: other.slug, teamId: team.id });
    w.a = (await createService(ops, { team: team.slug, slug: uniqueSlug("alpha"), criticality: "critical" })).slug;
    w.b = (await createService(ops, { team: team.slug, slug: uniqueSlug("beta"), criticality: "low" })).slug;
    w.theirs = (await createService(ops, { team: other.slug, slug: uniqueSlug("gamma") })).slug;
    const mk = async (name: string, opts: { team: string; services?: string[]; scopes: TokenScope[] }) => {
      tokens[name] = (await createToken(ops, opts)).token;
    };
    await mk("read", { team: team.slug, scopes: ["read"] });
    await mk("boundB", { team: team.slug, services: [w.b], scopes: ["read"] });
    await mk("other", { team: other.slug, scopes: ["read"] });
    await mk("noRead", { team: team.slug, scopes: ["scans:write", "gate:evaluate", "deployments:write", "waivers:write"] });

    const writer = await tokenContext(ops, { team: team.slug, scopes: ["scans:write", "gate:evaluate"] });
    const theirWriter = await tokenContext(ops, { team: other.slug, scopes: ["scans:write", "gate:evaluate"] });
    const sevs = ["critical", "high", "medium", "low", "info"];
    await upload(
      writer,
      { service: w.a, commit: sha("read-a") },
      generic(
        "semgrep",
        Array.from({ length: 13 }, (_, i) => finding(`rule-${i % 4}`, sevs[i % 5]!, `src/a${i}.ts`)),
      ),
    );
    await upload(
      writer,
      { service: w.b, commit: sha("read-b") },
      generic(
        "semgrep",
        Array.from({ length: 6 }, (_, i) => finding(`rule-b${i}`, sevs[(i + 1) % 5]!, `src/b${i}.ts`)),
      ),
    );
    await upload(
      theirWriter,
      { service: w.theirs, commit: sha("read-c") },
      generic("semgrep", [finding("theirs", "critical", "x.ts")]),
    );
    for (const [svc, stage, commit] of [
      [w.a, "dev", "read-a"],
      [w.a, "test", "read-a"],
      [w.b, "dev", "read-b"],
      [w.a, "dev", "read-a"],
      [w.b, "test", "read-b"],
    ] as const)
      await evaluateGateRequest(writer, { service: svc, stage, commit: sha(commit) });
    await evaluateGateRequest(theirWriter, { service: w.theirs, stage: "dev", commit: sha("read-c") });
    // A developer of the team reads the same through the dashboard's verbs.
    const dev: Actor = { type: "user", id: "usr_read_dev", label: "dev@example.com", role: "developer", teamIds: [team.id] };
    member = { ...ops, actor: dev };
  });

  afterAll(() => setRuntime(undefined));

  describe("GET /api/v1/services", () => {
    it("lists the team's services with grades and open findings, as the dashboard does, a page at a time", async () => {
      const items = await all<{ slug: string; team: string; score: unknown; open: Record<string, number> }>(
        servicesRoute.GET,
        "/api/v1/services?limit=1&sort=name",
        tokens.read!,
      );
      expect(items.map((s) => s.slug)).toEqual([w.a, w.b]);
      const dashboard = await listServicesView(member, { sort: "name", pageSize: 100 }, (s) => scoresOf(member, s));
      expect(items).toEqual(JSON.parse(JSON.stringify(dashboard.items)));
      expect(items[0]!.open).toMatchObject({ critical: 3, high: 3, medium: 3 });
    });

    it("filters as the dashboard does, and a service-bound token sees its service only", async () => {
      const critical = await get(servicesRoute.GET, "/api/v1/services?tier=critical", tokens.read);
      expect((critical.body.items as { slug: string }[]).map((s) => s.slug)).toEqual([w.a]);
      const bound = await get(servicesRoute.GET, `/api/v1/services?team=${w.team}`, tokens.boundB);
      expect((bound.body.items as { slug: string }[]).map((s) => s.slug)).toEqual([w.b]);
      const theirs = await get(servicesRoute.GET, "/api/v1/services", tokens.other);
      expect((theirs.body.items as { slug: string }[]).map((s) => s.slug)).toEqual([w.theirs]);
      expect((await get(servicesRoute.GET, `/api/v1/services?team=${w.team}`, tokens.other)).status).toBe(404);
    });
  });

  describe("GET /api/v1/services/{slug}", () => {
    it("gives the service, its scorecard with all seven areas, and each stage", async () => {
      const r = await get(serviceRoute.GET, `/api/v1/services/${w.a}`, tokens.read, { slug: w.a });
      expect(r.status).toBe(200);
      const body = r.body as {
        service: { slug: string; team: { slug: string }; tier: string };
        scorecard: { areas: unknown[]; grade: string };
        stages: { stage: string; lastDecision: unknown }[];
      };
      expect(body.service).toMatchObject({ slug: w.a, team: { slug: w.team }, tier: "critical" });
      expect(body.scorecard.areas).toHaveLength(7);
      expect(body.stages.map((s) => s.stage)).toEqual(["dev", "test", "production"]);
      expect(body.stages.map((s) => s.lastDecision !== null)).toEqual([true, true, false]);
    });

    it("answers 404 across teams and 403 to a token bound to another service", async () => {
      expect((await get(serviceRoute.GET, `/api/v1/services/${w.a}`, tokens.other, { slug: w.a })).status).toBe(404);
      expect((await get(serviceRoute.GET, `/api/v1/services/${w.a}`, tokens.boundB, { slug: w.a })).status).toBe(403);
      expect((await get(serviceRoute.GET, `/api/v1/services/${w.b}`, tokens.boundB, { slug: w.b })).status).toBe(200);
      expect((await get(serviceRoute.GET, "/api/v1/services/no-such", tokens.read, { slug: "no-such" })).status).toBe(404);
    });
  });

  describe("GET /api/v1/findings", () => {
    it.each(FINDING_SORTS.flatMap((sort) => (["asc", "desc"] as const).map((dir) => [sort, dir] as const)))(
      "sort=%s dir=%s: pages of 4 add up to the dashboard's list, in its order",
      async (sort, dir) => {
        const items = await all<Finding>(findingsRoute.GET, `/api/v1/findings?limit=4&sort=${sort}&dir=${dir}`, tokens.read!);
        const dashboard = await listFindings(member, { sort, dir, pageSize: 100 });
        expect(items.map((f) => f.id)).toEqual(dashboard.items.map((f) => f.id));
        expect(items).toHaveLength(19);
      },
    );

    it("filters by severity (repeated or comma-separated), service, status and text", async () => {
      const page = async (q: string, token = tokens.read) =>
        ((await get(findingsRoute.GET, `/api/v1/findings?limit=100&${q}`, token)).body.items as Finding[]) ?? [];
      const both = await page("severity=critical&severity=high");
      expect(both.every((f) => ["critical", "high"].includes(f.severity))).toBe(true);
      expect((await page("severity=critical,high")).map((f) => f.id)).toEqual(both.map((f) => f.id));
      expect(both).toHaveLength((await listFindings(member, { severity: ["critical", "high"], pageSize: 100 })).items.length);
      expect((await page(`service=${w.b}`)).every((f) => f.service.slug === w.b)).toBe(true);
      expect(await page(`service=${w.b}`)).toHaveLength(6);
      expect(await page("q=rule-b3")).toHaveLength(1);
      expect(await page("status=closed")).toHaveLength(0);
    });

    it("shows a service-bound token its service's findings only, and another team's token none of ours", async () => {
      const bound = await all<Finding>(findingsRoute.GET, "/api/v1/findings?limit=5", tokens.boundB!);
      expect(bound.map((f) => f.service.slug)).toEqual(Array(6).fill(w.b));
      expect((await get(findingsRoute.GET, `/api/v1/findings?service=${w.a}`, tokens.boundB)).status).toBe(403);
      expect((await get(findingsRoute.GET, `/api/v1/findings?service=${w.a}`, tokens.other)).status).toBe(404);
      const theirs = await all<Finding>(findingsRoute.GET, "/api/v1/findings", tokens.other!);
      expect(theirs.map((f) => f.service.slug)).toEqual([w.theirs]);
    });

    it("refuses a cursor it did not give, or one made for another sort (400 invalid-cursor)", async () => {
      const first = await get(findingsRoute.GET, "/api/v1/findings?limit=2", tokens.read);
      const cursor = encodeURIComponent(String(first.body.nextCursor));
      for (const q of [`cursor=${cursor}&sort=title`, "cursor=bm9wZQ", `cursor=${cursor}&dir=asc`]) {
        const r = await get(findingsRoute.GET, `/api/v1/findings?${q}`, tokens.read);
        expect(r.status, q).toBe(400);
        expect(r.body.type).toBe("/problems/invalid-cursor");
      }
      for (const q of ["limit=0", "limit=101", "severity=severe", "area=9", "sort=risk"])
        expect((await get(findingsRoute.GET, `/api/v1/findings?${q}`, tokens.read)).status, q).toBe(400);
    });
  });

  describe("GET /api/v1/gate/decisions", () => {
    it("lists the decisions newest first (dir=asc: oldest first), a page at a time, as the dashboard does", async () => {
      for (const dir of ["desc", "asc"] as const) {
        const items = await all<{ id: string }>(decisionsRoute.GET, `/api/v1/gate/decisions?limit=2&dir=${dir}`, tokens.read!);
        const dashboard = await listDecisions(member, { dir, pageSize: 100 });
        expect(items).toEqual(JSON.parse(JSON.stringify(dashboard.items)));
        expect(items).toHaveLength(5);
      }
    });

    it("filters by service, stage and decision, and keeps to the token's scope", async () => {
      const page = async (q: string, token = tokens.read) =>
        (await get(decisionsRoute.GET, `/api/v1/gate/decisions?${q}`, token)).body.items as {
          service: { slug: string };
          stage: string;
        }[];
      expect(await page(`service=${w.a}&stage=dev`)).toHaveLength(2);
      expect((await page("stage=test")).map((d) => d.stage)).toEqual(["test", "test"]);
      expect((await page("", tokens.boundB)).map((d) => d.service.slug)).toEqual([w.b, w.b]);
      expect((await page("", tokens.other)).map((d) => d.service.slug)).toEqual([w.theirs]);
      expect((await get(decisionsRoute.GET, `/api/v1/gate/decisions?service=${w.a}`, tokens.boundB)).status).toBe(403);
    });
  });

  it("needs the read scope on every read route (403), and a token (401)", async () => {
    for (const [route, path, params] of [
      [servicesRoute.GET, "/api/v1/services", {}],
      [serviceRoute.GET, `/api/v1/services/${w.a}`, { slug: w.a }],
      [findingsRoute.GET, "/api/v1/findings", {}],
      [decisionsRoute.GET, "/api/v1/gate/decisions", {}],
    ] as const) {
      expect((await get(route, path, tokens.noRead, params)).status, path).toBe(403);
      expect((await get(route, path, undefined, params)).status, path).toBe(401);
    }
  });
});
