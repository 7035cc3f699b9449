// The REST authorization matrix: every public route under every kind of credential — anonymous, a bad token,
// a token lacking the scope, another team's token, a service-bound token for another service, and the right
// token — with the status each must answer, and no change to the data when a mutation is denied.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { createToken, type TokenScope } from "@/server/tokens/tokens";
import * as deployments from "@/app/api/v1/deployments/route";
import * as gate from "@/app/api/v1/gate/route";
import * as policies from "@/app/api/v1/policies/[stage]/route";
import * as scans from "@/app/api/v1/scans/route";
import * as waivers from "@/app/api/v1/waivers/route";
import { describeEachDatabase } from "@/tests/helpers/db";
import { sha } from "@/tests/helpers/fixtures";

type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Route = { name: string; scope: TokenScope; call: (auth: string | undefined, service: string) => Promise<Response> };

const base = "http://localhost";
const req = (method: string, path: string, auth: string | undefined, body?: string, type = "application/json") =>
  new Request(`${base}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { "content-type": type } : {}) },
    body,
  });
const params = (p: Record<string, string> = {}) => ({ params: Promise.resolve(p) });

const ROUTES: Route[] = [
  {
    name: "POST /api/v1/scans",
    scope: "scans:write",
    call: (auth, service) =>
      (scans.POST as Handler)(
        req(
          "POST",
          `/api/v1/scans?service=${service}&commit=${sha("m")}`,
          auth,
          JSON.stringify({ gatehouse: "1", tool: { name: "t" }, findings: [] }),
        ),
        params(),
      ),
  },
  {
    name: "POST /api/v1/gate",
    scope: "gate:evaluate",
    call: (auth, service) =>
      (gate.POST as Handler)(
        req("POST", "/api/v1/gate", auth, JSON.stringify({ service, stage: "test", commit: sha("m") })),
        params(),
      ),
  },
  {
    name: "POST /api/v1/deployments",
    scope: "deployments:write",
    call: (auth, service) =>
      (deployments.POST as Handler)(
        req("POST", "/api/v1/deployments", auth, JSON.stringify({ service, stage: "test", commit: sha("m") })),
        params(),
      ),
  },
  {
    name: "POST /api/v1/waivers",
    scope: "policies:write",
    call: (auth, service) =>
      (waivers.POST as Handler)(
        req(
          "POST",
          "/api/v1/waivers",
          auth,
          JSON.stringify({ service, match: { type: "rule", value: "r" }, reason: "a reason long enough", expiresInDays: 5 }),
        ),
        params(),
      ),
  },
];

describeEachDatabase("REST authorization matrix", (t) => {
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const ctx = t.ctx();
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    await createTeam(ctx, { slug: "mine" });
    await createTeam(ctx, { slug: "theirs" });
    await createService(ctx, { team: "mine", slug: "mine-a" });
    await createService(ctx, { team: "mine", slug: "mine-b" });
    await createService(ctx, { team: "theirs", slug: "theirs-a" });
    const all: TokenScope[] = ["scans:write", "gate:evaluate", "deployments:write", "policies:write", "read"];
    tokens.all = (await createToken(ctx, { team: "mine", scopes: all })).token;
    tokens.readOnly = (await createToken(ctx, { team: "mine", scopes: ["read"] })).token;
    tokens.other = (await createToken(ctx, { team: "theirs", scopes: all })).token;
    tokens.boundB = (await createToken(ctx, { team: "mine", services: ["mine-b"], scopes: all })).token;
  });
  afterAll(() => setRuntime(undefined));

  /** Every table a denied mutation could touch, except the audit trail (denials are recorded there on purpose). */
  const snapshot = async () =>
    (
      await queryRows<Record<string, number>>(
        t.db(),
        sql`select (select count(*)::int from scans) as scans, (select count(*)::int from findings) as findings,
                   (select count(*)::int from gate_decisions) as decisions, (select count(*)::int from deployments) as deployments,
                   (select count(*)::int from waivers) as waivers, (select count(*)::int from services) as services,
                   (select count(*)::int from policies) as policies`,
      )
    )[0];

  for (const route of ROUTES) {
    it(`${route.name}: 401 anonymous or bad token, 403 without the scope or for another service, 404 for another team`, async () => {
      const before = await snapshot();
      const cases: [string | undefined, string, number][] = [
        [undefined, "mine-a", 401],
        ["Bearer gth_" + "A".repeat(36), "mine-a", 401],
        ["Basic Zm9vOmJhcg==", "mine-a", 401],
        [`Bearer ${tokens.readOnly}`, "mine-a", 403],
        [`Bearer ${tokens.other}`, "mine-a", 404],
        [`Bearer ${tokens.boundB}`, "mine-a", 403],
      ];
      for (const [auth, service, status] of cases) {
        const res = await route.call(auth, service);
        expect(res.status, `${route.name} with ${auth?.slice(0, 16) ?? "no token"}: ${await res.clone().text()}`).toBe(status);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
      }
      expect(await snapshot()).toEqual(before);
      const ok = await route.call(`Bearer ${tokens.all}`, "mine-a");
      expect(ok.status, await ok.clone().text()).toBeLessThan(300);
    });
  }

  it("PUT /api/v1/policies/:stage needs policies:write; GET needs read", async () => {
    const before = await snapshot();
    const put = (auth: string | undefined) =>
      (policies.PUT as Handler)(
        req("PUT", "/api/v1/policies/test", auth, JSON.stringify({ rules: { noSecrets: { mode: "fail" } } })),
        params({ stage: "test" }),
      );
    expect((await put(undefined)).status).toBe(401);
    expect((await put(`Bearer ${tokens.readOnly}`)).status).toBe(403);
    expect(await snapshot()).toEqual(before);
    const get = await (policies.GET as Handler)(
      req("GET", "/api/v1/policies/test", `Bearer ${tokens.readOnly}`),
      params({ stage: "test" }),
    );
    expect(get.status).toBe(200);
    expect((await put(`Bearer ${tokens.all}`)).status).toBe(200);
  });
});
