// The REST authorization matrix: every public route under every kind of credential — anonymous, a bad token,
// a token lacking the scope, another team's token, a service-bound token for another service, and the right
// token — with the status each must answer, and no change to the data when a mutation is denied.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Actor } from "@/server/context";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { createToken, type TokenScope } from "@/server/tokens/tokens";
import { approveWaiver, createWaiver } from "@/server/gate/waivers";
import * as deployments from "@/app/api/v1/deployments/route";
import * as decision from "@/app/api/v1/gate/decisions/[id]/route";
import * as decisions from "@/app/api/v1/gate/decisions/route";
import * as findings from "@/app/api/v1/findings/route";
import * as gate from "@/app/api/v1/gate/route";
import * as health from "@/app/api/health/route";
import * as openapi from "@/app/api/v1/openapi.json/route";
import * as policies from "@/app/api/v1/policies/[stage]/route";
import * as policyVersions from "@/app/api/v1/policies/[stage]/versions/route";
import * as scan from "@/app/api/v1/scans/[id]/route";
import * as scans from "@/app/api/v1/scans/route";
import * as service from "@/app/api/v1/services/[slug]/route";
import * as services from "@/app/api/v1/services/route";
import * as approve from "@/app/api/v1/waivers/[id]/approve/route";
import * as revoke from "@/app/api/v1/waivers/[id]/revoke/route";
import * as waivers from "@/app/api/v1/waivers/route";
import * as stagesRoute from "@/app/api/v1/services/[slug]/stages/route";
import * as subscriptions from "@/app/api/v1/notifications/subscriptions/route";
import * as subscription from "@/app/api/v1/notifications/subscriptions/[id]/route";
import * as subscriptionTest from "@/app/api/v1/notifications/subscriptions/[id]/test/route";
import * as deliveries from "@/app/api/v1/notifications/subscriptions/[id]/deliveries/route";
import { createSubscription } from "@/server/notify/subscriptions";
import { parseAllowHosts } from "@/server/notify/target-safety";
import { checked } from "@/tests/helpers/contract";
import { describeEachDatabase } from "@/tests/helpers/db";
import { databaseDigest } from "@/tests/helpers/digest";
import { generic, sha, tokenContext, upload } from "@/tests/helpers/fixtures";

type Route = { name: string; scope: TokenScope; call: (auth: string | undefined, service: string) => Promise<Response> };

const base = "http://localhost";
/** Every scope a token bound to a team may hold (policies:write is an organisation token's only). */
const ALL_SCOPES: TokenScope[] = [
  "scans:write",
  "gate:evaluate",
  "deployments:write",
  "waivers:write",
  "notifications:write",
  "read",
];
const req = (method: string, path: string, auth: string | undefined, body?: string, type = "application/json") =>
  new Request(`${base}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { "content-type": type } : {}) },
    body,
  });

const ROUTES: Route[] = [
  {
    name: "POST /api/v1/scans",
    scope: "scans:write",
    call: (auth, service) =>
      checked(scans.POST)(
        req(
          "POST",
          `/api/v1/scans?service=${service}&commit=${sha("m")}`,
          auth,
          JSON.stringify({ gatehouse: "1", tool: { name: "t" }, findings: [] }),
        ),
        {},
      ),
  },
  {
    name: "POST /api/v1/gate",
    scope: "gate:evaluate",
    call: (auth, service) =>
      checked(gate.POST)(req("POST", "/api/v1/gate", auth, JSON.stringify({ service, stage: "test", commit: sha("m") })), {}),
  },
  {
    name: "POST /api/v1/deployments",
    scope: "deployments:write",
    call: (auth, service) =>
      checked(deployments.POST)(
        req("POST", "/api/v1/deployments", auth, JSON.stringify({ service, stage: "test", commit: sha("m") })),
        {},
      ),
  },
  {
    name: "POST /api/v1/waivers",
    scope: "waivers:write",
    call: (auth, service) =>
      checked(waivers.POST)(
        req(
          "POST",
          "/api/v1/waivers",
          auth,
          JSON.stringify({ service, match: { type: "rule", value: "r" }, reason: "a reason long enough", expiresInDays: 5 }),
        ),
        {},
      ),
  },
];

describeEachDatabase("REST authorization matrix", (t) => {
  const tokens: Record<string, string> = {};
  const ids = { scan: "", decision: "", waiver: "", subscription: "" };

  beforeAll(async () => {
    const ctx = t.ctx();
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    const mine = await createTeam(ctx, { slug: "mine" });
    await createTeam(ctx, { slug: "theirs" });
    await createService(ctx, { team: "mine", slug: "mine-a" });
    await createService(ctx, { team: "mine", slug: "mine-b" });
    await createService(ctx, { team: "theirs", slug: "theirs-a" });
    const all = ALL_SCOPES;
    tokens.all = (await createToken(ctx, { team: "mine", scopes: all })).token;
    tokens.readOnly = (await createToken(ctx, { team: "mine", scopes: ["read"] })).token;
    tokens.other = (await createToken(ctx, { team: "theirs", scopes: all })).token;
    tokens.boundB = (await createToken(ctx, { team: "mine", services: ["mine-b"], scopes: all })).token;
    for (const scope of all) tokens[scope] = (await createToken(ctx, { team: "mine", scopes: [scope] })).token;
    // Organisation tokens: bound to no team, for the stage policies only.
    tokens.org = (await createToken(ctx, { org: true, scopes: ["policies:write", "read"] })).token;
    tokens.orgRead = (await createToken(ctx, { org: true, scopes: ["read"] })).token;
    const writer = await tokenContext(ctx, { team: "mine", scopes: ["scans:write", "gate:evaluate"] });
    ids.scan = (await upload(writer, { service: "mine-a", commit: sha("r1") }, generic("t", []))).scan.id;
    ids.decision = (await evaluateGateRequest(writer, { service: "mine-a", stage: "dev", commit: sha("r1") })).decisionId;
    const requester: Actor = { type: "user", id: "usr_req", label: "req@example.com", role: "developer", teamIds: [mine.id] };
    const waiver = {
      service: "mine-a",
      match: { type: "rule" as const, value: "r" },
      reason: "a reason long enough",
      expiresInDays: 5,
    };
    ids.waiver = (await createWaiver({ ...ctx, actor: requester }, waiver)).id;
    const hook = {
      team: "mine",
      events: ["gate.blocked" as const],
      channel: "webhook" as const,
      target: "https://hooks.example.com/x",
    };
    ids.subscription = (await createSubscription(ctx, hook, { allowHosts: parseAllowHosts(""), smtp: null })).subscription.id;
  });

  afterAll(() => setRuntime(undefined));

  /** A token's last use is bookkeeping a refused request may update; everything else must stay as it was. */
  const snapshot = async () => (await databaseDigest(t.db(), ["api_tokens"])).tables;

  for (const route of ROUTES) {
    it(`${route.name}: 401 anonymous or bad token, 403 without the scope or for another service, 404 for another team`, async () => {
      const before = await snapshot();
      const cases: [string | undefined, string, number][] = [
        [undefined, "mine-a", 401],
        ["Bearer gth_" + "A".repeat(36), "mine-a", 401],
        ["Basic Zm9vOmJhcg==", "mine-a", 401],
        ...ALL_SCOPES.filter((s) => s !== route.scope).map((s): [string, string, number] => [
          `Bearer ${tokens[s]}`,
          "mine-a",
          403,
        ]),
        [`Bearer ${tokens.other}`, "mine-a", 404],
        [`Bearer ${tokens.boundB}`, "mine-a", 403],
        // An organisation token holds none of a pipeline's scopes.
        [`Bearer ${tokens.org}`, "mine-a", 403],
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

  it("PUT /api/v1/policies/:stage needs an organisation token with policies:write; no team's token has it", async () => {
    const before = await snapshot();
    const put = (auth: string | undefined) =>
      checked(policies.PUT)(
        req("PUT", "/api/v1/policies/test", auth, JSON.stringify({ rules: { noSecrets: { mode: "fail" } } })),
        { stage: "test" },
      );
    expect((await put(undefined)).status).toBe(401);
    for (const who of ["readOnly", "all", "boundB", "other", "orgRead"]) {
      const res = await put(`Bearer ${tokens[who]}`);
      expect(res.status, who).toBe(403);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await snapshot()).toEqual(before);
    // The attack: a token bound to a team and a service cannot even be made with policies:write.
    await expect(createToken(t.ctx(), { team: "mine", services: ["mine-b"], scopes: ["policies:write"] })).rejects.toMatchObject({
      code: "forbidden",
      type: "scope-not-for-binding",
    });
    await expect(createToken(t.ctx(), { team: "mine", scopes: ["policies:write", "read"] })).rejects.toMatchObject({
      code: "forbidden",
    });
    expect(await snapshot()).toEqual(before);
    const get = await checked(policies.GET)(req("GET", "/api/v1/policies/test", `Bearer ${tokens.readOnly}`), { stage: "test" });
    expect(get.status).toBe(200);
    expect((await put(`Bearer ${tokens.org}`)).status).toBe(200);
  });

  type Read = {
    name: string;
    call: (auth: string | undefined) => Promise<Response>;
    /** scopes that may call it; every other scope alone answers 403 */
    scopes: TokenScope[];
    /** what another team's token (with every scope) and a token bound to another service of the team get */
    otherTeam: number;
    boundElsewhere: number;
    /** mutations: the data must not change on denial */
    mutates?: boolean;
  };
  const get =
    (handler: unknown, path: string, p: Record<string, string> = {}) =>
    (auth: string | undefined) =>
      checked(handler)(req("GET", path, auth), p);
  const post = (handler: unknown, path: string, p: Record<string, string>, body?: unknown) => (auth: string | undefined) =>
    checked(handler)(req("POST", path, auth, body === undefined ? undefined : JSON.stringify(body)), p);
  const del = (handler: unknown, path: string, p: Record<string, string>) => (auth: string | undefined) =>
    checked(handler)(req("DELETE", path, auth), p);
  const newHook = { team: "mine", events: ["stage.out_of_policy"], channel: "webhook", target: "https://hooks.example.com/y" };
  const READS = (): Read[] => [
    {
      name: "GET /api/v1/scans/:id",
      call: get(scan.GET, `/api/v1/scans/${ids.scan}`, { id: ids.scan }),
      scopes: ["read", "scans:write"],
      otherTeam: 404,
      boundElsewhere: 404,
    },
    {
      name: "GET /api/v1/gate/decisions/:id",
      call: get(decision.GET, `/api/v1/gate/decisions/${ids.decision}`, { id: ids.decision }),
      scopes: ["read", "gate:evaluate", "deployments:write"],
      otherTeam: 404,
      boundElsewhere: 404,
    },
    {
      name: "GET /api/v1/waivers?service=",
      call: get(waivers.GET, "/api/v1/waivers?service=mine-a"),
      scopes: ["read", "waivers:write"],
      otherTeam: 404,
      boundElsewhere: 403,
    },
    {
      // Policies are per stage, for every team: any token that may read reads them.
      name: "GET /api/v1/policies/:stage",
      call: get(policies.GET, "/api/v1/policies/test", { stage: "test" }),
      scopes: ["read"],
      otherTeam: 200,
      boundElsewhere: 200,
    },
    {
      name: "GET /api/v1/policies/:stage/versions",
      call: get(policyVersions.GET, "/api/v1/policies/test/versions", { stage: "test" }),
      scopes: ["read"],
      otherTeam: 200,
      boundElsewhere: 200,
    },
    // The read API: a list narrowed to another team's team or service is a 404; to a service outside a
    // service-bound token's list, a 403 (the token's own list leaves it out).
    {
      name: "GET /api/v1/services?team=",
      call: get(services.GET, "/api/v1/services?team=mine"),
      scopes: ["read"],
      otherTeam: 404,
      boundElsewhere: 200,
    },
    {
      name: "GET /api/v1/services/:slug",
      call: get(service.GET, "/api/v1/services/mine-a", { slug: "mine-a" }),
      scopes: ["read"],
      otherTeam: 404,
      boundElsewhere: 403,
    },
    {
      name: "GET /api/v1/findings?service=",
      call: get(findings.GET, "/api/v1/findings?service=mine-a"),
      scopes: ["read"],
      otherTeam: 404,
      boundElsewhere: 403,
    },
    {
      name: "GET /api/v1/gate/decisions?service=",
      call: get(decisions.GET, "/api/v1/gate/decisions?service=mine-a"),
      scopes: ["read"],
      otherTeam: 404,
      boundElsewhere: 403,
    },
    {
      name: "GET /api/v1/services/:slug/stages",
      call: get(stagesRoute.GET, "/api/v1/services/mine-a/stages", { slug: "mine-a" }),
      scopes: ["read"],
      otherTeam: 404,
      boundElsewhere: 403,
    },
    {
      // Subscriptions belong to the team: a token bound to some services does not manage them.
      name: "GET /api/v1/notifications/subscriptions",
      call: get(subscriptions.GET, "/api/v1/notifications/subscriptions"),
      scopes: ["read", "notifications:write"],
      otherTeam: 200,
      boundElsewhere: 403,
    },
    {
      name: "GET /api/v1/notifications/subscriptions/:id/deliveries",
      call: get(deliveries.GET, `/api/v1/notifications/subscriptions/${ids.subscription}/deliveries`, { id: ids.subscription }),
      scopes: ["read", "notifications:write"],
      otherTeam: 404,
      boundElsewhere: 403,
    },
    {
      name: "POST /api/v1/notifications/subscriptions",
      call: post(subscriptions.POST, "/api/v1/notifications/subscriptions", {}, newHook),
      scopes: ["notifications:write"],
      otherTeam: 404,
      boundElsewhere: 403,
      mutates: true,
    },
    {
      name: "POST /api/v1/notifications/subscriptions/:id/test",
      call: post(subscriptionTest.POST, `/api/v1/notifications/subscriptions/${ids.subscription}/test`, { id: ids.subscription }),
      scopes: ["notifications:write"],
      otherTeam: 404,
      boundElsewhere: 403,
      mutates: true,
    },
    {
      name: "DELETE /api/v1/notifications/subscriptions/:id",
      call: del(subscription.DELETE, `/api/v1/notifications/subscriptions/${ids.subscription}`, { id: ids.subscription }),
      scopes: ["notifications:write"],
      otherTeam: 404,
      boundElsewhere: 403,
      mutates: true,
    },
    {
      // Machine tokens request waivers and never approve them, whatever they hold: a signed-in person approves.
      name: "POST /api/v1/waivers/:id/approve",
      call: post(approve.POST, `/api/v1/waivers/${ids.waiver}/approve`, { id: ids.waiver }),
      scopes: [],
      otherTeam: 403,
      boundElsewhere: 403,
      mutates: true,
    },
    {
      name: "POST /api/v1/waivers/:id/revoke",
      call: post(revoke.POST, `/api/v1/waivers/${ids.waiver}/revoke`, { id: ids.waiver }),
      scopes: ["waivers:write"],
      otherTeam: 404,
      boundElsewhere: 404,
      mutates: true,
    },
  ];

  it("reads and waiver decisions: 401 without a token, 403 for each scope that does not grant it, 404 across teams", async () => {
    for (const route of READS()) {
      const before = await snapshot();
      const expectStatus = async (auth: string | undefined, status: number, who: string) => {
        const res = await route.call(auth);
        expect(res.status, `${route.name} as ${who}: ${await res.clone().text()}`).toBe(status);
        if (status >= 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
      };
      await expectStatus(undefined, 401, "anonymous");
      await expectStatus("Bearer gth_" + "A".repeat(36), 401, "a made-up token");
      for (const scope of ALL_SCOPES.filter((s) => !route.scopes.includes(s)))
        await expectStatus(`Bearer ${tokens[scope]}`, 403, `a ${scope} token`);
      await expectStatus(`Bearer ${tokens.other}`, route.otherTeam, "another team's token");
      await expectStatus(`Bearer ${tokens.boundB}`, route.boundElsewhere, "a token bound to another service");
      // An organisation token reads the policies and nothing of any team: the subscriptions list answers empty.
      const orgReads = route.name.startsWith("GET /api/v1/policies");
      const orgList = route.name === "GET /api/v1/notifications/subscriptions";
      await expectStatus(
        `Bearer ${tokens.orgRead}`,
        orgReads || orgList ? 200 : route.mutates ? 403 : 404,
        "an organisation token",
      );
      if (orgList) expect(await (await route.call(`Bearer ${tokens.orgRead}`)).json()).toEqual({ subscriptions: [] });
      expect(await snapshot(), route.name).toEqual(before);
      if (route.mutates) continue;
      for (const scope of route.scopes) await expectStatus(`Bearer ${tokens[scope]}`, 200, `a ${scope} token`);
    }
    // A security reviewer approves (signed in, not over this API); the team's token may then withdraw it.
    const reviewer: Actor = { type: "user", id: "usr_rev", label: "rev@example.com", role: "security", teamIds: [] };
    expect((await approveWaiver({ ...t.ctx(), actor: reviewer }, ids.waiver)).status).toBe("active");
    const revokeRoute = READS().find((r) => r.name.endsWith("/revoke"))!;
    const revoked = await revokeRoute.call(`Bearer ${tokens["waivers:write"]}`);
    expect(((await revoked.json()) as { status: string }).status).toBe("revoked");
  });

  it("notification subscriptions, allowed: the secret once, a test delivery recorded, then removed", async () => {
    const writer = `Bearer ${tokens["notifications:write"]}`;
    const routes = READS();
    const created = await routes.find((r) => r.name === "POST /api/v1/notifications/subscriptions")!.call(writer);
    expect(created.status, await created.clone().text()).toBe(201);
    const body = (await created.json()) as { subscription: { id: string; target: string }; secret: string };
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.subscription.target).toBe("https://hooks.example.com/y");
    const tested = await routes.find((r) => r.name.endsWith("/test"))!.call(writer);
    expect(tested.status).toBe(200);
    expect(await tested.json()).toMatchObject({ ok: false, error: expect.stringMatching(/hooks\.example\.com/) });
    const listed = await routes.find((r) => r.name.endsWith("/deliveries"))!.call(writer);
    expect(((await listed.json()) as { deliveries: { event: string; status: string }[] }).deliveries).toContainEqual(
      expect.objectContaining({ event: "notification.test", status: "failed", attempts: 1 }),
    );
    const list = (await (
      await routes.find((r) => r.name === "GET /api/v1/notifications/subscriptions")!.call(writer)
    ).json()) as {
      subscriptions: { id: string }[];
    };
    expect(list.subscriptions.map((s) => s.id).sort()).toEqual([ids.subscription, body.subscription.id].sort());
    expect(JSON.stringify(list)).not.toContain("whsec_");
    const removed = await routes.find((r) => r.name.startsWith("DELETE"))!.call(writer);
    expect(removed.status).toBe(200);
    expect((await routes.find((r) => r.name.endsWith("/deliveries"))!.call(writer)).status).toBe(404);
  });

  it("the read API's lists leave out what a token may not see: another team's services, a bound token's other services", async () => {
    const lists = [
      ["/api/v1/services", services.GET, true],
      // (mine-a's only scan reported no findings)
      ["/api/v1/findings?status=all", findings.GET, false],
      ["/api/v1/gate/decisions", decisions.GET, true],
    ] as const;
    const slugsOf = (items: { slug?: string; service?: { slug: string } }[]) =>
      new Set(items.map((i) => i.slug ?? i.service!.slug));
    for (const [path, handler, mineHasRows] of lists) {
      const as = async (token: string) =>
        slugsOf(((await (await checked(handler)(req("GET", path, `Bearer ${token}`), {})).json()) as { items: [] }).items);
      expect(
        [...(await as(tokens.other!))].filter((s) => s.startsWith("mine")),
        `${path}, another team`,
      ).toEqual([]);
      expect(
        [...(await as(tokens.boundB!))].filter((s) => s !== "mine-b"),
        `${path}, bound to mine-b`,
      ).toEqual([]);
      expect((await as(tokens.readOnly!)).has("mine-a"), `${path}, the team's token`).toBe(mineHasRows);
    }
  });

  // GET /api/v1/audit takes a session, not a token: tokens-cli.test.ts (401 without a session, 401 with a token)
  // and tests/e2e/headers.spec.ts (security reads it, a viewer is refused) drive it through the real server.

  it("health and the OpenAPI document are public and say nothing secret", async () => {
    const h = await checked(health.GET)(req("GET", "/api/health", undefined));
    expect(h.status).toBe(200);
    expect(await h.text()).not.toMatch(/postgres:\/\/|password|gth_/i);
    const o = await checked(openapi.GET)(req("GET", "/api/v1/openapi.json", undefined));
    expect(o.status).toBe(200);
  });
});
