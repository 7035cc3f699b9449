// Bounded, seeded fuzzing of every REST endpoint (its route handler, called as Next.js calls it) and every tRPC
// procedure of appRouter: random strings with NUL, lone surrogates, control characters and invalid UTF-8 bytes, huge
// and deeply nested values, in every parameter, query string and body. Whatever comes in, nothing answers 5xx or
// INTERNAL_SERVER_ERROR. Issue 11 item 7 lists the inputs that did; they are the first cases here, always run.
import { TRPCError } from "@trpc/server";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ServiceContext } from "@/server/context";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { appRouter, createCaller } from "@/server/api/trpc/root";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { createWaiver } from "@/server/gate/waivers";
import { setRuntime } from "@/server/runtime";
import { createToken } from "@/server/tokens/tokens";
import { API_ROUTES } from "@/app/api/routes";
import { pathParameters, type RouteSpec } from "@/server/api/rest/contract";
import * as openapi from "@/app/api/v1/openapi.json/route";
import * as deployments from "@/app/api/v1/deployments/route";
import * as gate from "@/app/api/v1/gate/route";
import * as policies from "@/app/api/v1/policies/[stage]/route";
import * as scan from "@/app/api/v1/scans/[id]/route";
import * as scans from "@/app/api/v1/scans/route";
import * as waivers from "@/app/api/v1/waivers/route";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";

const SEED = 20_261_106;
type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;

// ---- what goes in ------------------------------------------------------------------------------------------------

const deep = (n: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const NASTY = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\ud83d",
  "\u0007\u001b[31m",
  "\r\n",
  "%ff%fe",
  "%00",
  "../../etc/passwd",
  "' or 1=1 --",
  "<script>alert(1)</script>",
  "\uffff\ufffe",
  "sha256:" + "z".repeat(64),
  "",
  " ",
];
const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY)).map(([a, b]) => a + b + a) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(300_000), "é".repeat(70_000)) },
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, Number.NaN, Number.POSITIVE_INFINITY, -0),
);
const { value: nastyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    nastyString,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(nastyString, tie("value"), { maxKeys: 4 }),
  ),
}));
// Deep enough to pass any sane limit; not so deep that reporting a counterexample would overflow the stack.
const hugeOrDeep = fc.constantFrom(deep(3_000), deep(2_000, "\u0000"), Array(200_000).fill("a"), { a: deep(1_000) });

/** Objects shaped like the inputs the API takes: known field names with hostile values, plus any other value. */
const FIELDS = [
  "service",
  "services",
  "id",
  "team",
  "stage",
  "stages",
  "slug",
  "name",
  "email",
  "role",
  "commit",
  "branch",
  "artifact",
  "decisionId",
  "match",
  "type",
  "value",
  "reason",
  "kind",
  "expiresInDays",
  "approve",
  "scopes",
  "org",
  "graceHours",
  "text",
  "format",
  "comment",
  "version",
  "baseVersion",
  "from",
  "to",
  "context",
  "page",
  "pageSize",
  "status",
  "severity",
  "area",
  "tool",
  "q",
  "search",
  "sort",
  "order",
  "since",
  "until",
  "limit",
  "cursor",
  "action",
  "actor",
  "target",
  "tier",
  "currentPassword",
  "newPassword",
];
const shapedInput = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(nastyValue, hugeOrDeep), { maxKeys: 6 }) },
  { weight: 1, arbitrary: nastyValue },
  { weight: 1, arbitrary: hugeOrDeep },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Bodies: JSON of hostile values, raw text, and bytes that are not UTF-8 at all. */
const body = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(nastyValue, shapedInput).map((v) => JSON.stringify(v) ?? "null") },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array([0xff, 0xfe, ...b])) },
  { weight: 1, arbitrary: fc.constantFrom("[".repeat(200_000), "<a>".repeat(100_000), '{"a":'.repeat(100_000), "{}", "") },
  { weight: 1, arbitrary: nastyString },
);
const query = fc.dictionary(fc.constantFrom(...FIELDS, "pipeline_run", "scanner", "comment", "version"), nastyString, {
  maxKeys: 5,
});

// ---- the harness -------------------------------------------------------------------------------------------------

const base = "http://localhost";
const request = (method: string, path: string, q: Record<string, string>, auth: string, b?: string | Uint8Array) => {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(q)) url.searchParams.append(k, v);
  return new Request(url, {
    method,
    headers: { authorization: auth, ...(b !== undefined ? { "content-type": "application/json" } : {}) },
    body: typeof b === "string" || b === undefined ? b : new Blob([new Uint8Array(b)]),
  });
};

async function expectNo5xx(what: string, res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, `${what} answered ${res.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) expect(res.headers.get("content-type"), what).toBe("application/problem+json");
}

describeEachDatabase("fuzzing every endpoint and procedure", (t) => {
  const now = () => new Date("2026-11-20T12:00:00Z");
  let auth = "";
  const ids = { service: "", scan: "", decision: "", waiver: "" };
  const users = {} as Record<"security" | "developer", UserActor>;

  beforeAll(async () => {
    const ops: ServiceContext = t.ctx({ now, actor: { type: "cli", label: "cli:fuzz" } });
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    const { team, service } = await teamWithService(ops);
    ids.service = service.slug;
    auth = `Bearer ${(await createToken(ops, { team: team.slug, scopes: ["scans:write", "gate:evaluate", "deployments:write", "waivers:write", "read"] })).token}`;
    const writer = await tokenContext(ops, { team: team.slug, scopes: ["scans:write", "gate:evaluate", "waivers:write"] });
    ids.scan = (await upload(writer, { service: service.slug, commit: sha("fz") }, generic("t", []))).scan.id;
    ids.decision = (await evaluateGateRequest(writer, { service: service.slug, stage: "dev", commit: sha("fz") })).decisionId;
    ids.waiver = (
      await createWaiver(writer, {
        service: service.slug,
        match: { type: "rule", value: "r" },
        reason: "a reason long enough",
        expiresInDays: 5,
      })
    ).id;
    users.security = { type: "user", id: "usr_fuzz_sec", label: "fuzz-sec@example.com", role: "security", teamIds: [] };
    users.developer = { type: "user", id: "usr_fuzz_dev", label: "fuzz-dev@example.com", role: "developer", teamIds: [team.id] };
  });
  afterAll(() => setRuntime(undefined));

  it("answers the inputs issue 11 found with 4xx: NUL in branch, scanner, a gate's branch, a decisionId, a waiver; deep reports", async () => {
    const nul = "a\u0000b";
    const call = (handler: unknown, method: string, path: string, q: Record<string, string>, body: string) =>
      (handler as Handler)(request(method, path, q, auth, body), { params: Promise.resolve({}) });
    const cases: [string, Promise<Response>][] = [
      [
        "branch",
        call(scans.POST, "POST", "/api/v1/scans", { service: ids.service, commit: sha(1), branch: nul }, generic("t", [])),
      ],
      [
        "scanner",
        call(scans.POST, "POST", "/api/v1/scans", { service: ids.service, commit: sha(1), scanner: nul }, generic("t", [])),
      ],
      [
        "gate branch",
        call(
          gate.POST,
          "POST",
          "/api/v1/gate",
          {},
          JSON.stringify({ service: ids.service, stage: "dev", commit: sha(1), branch: nul }),
        ),
      ],
      [
        "decisionId",
        call(
          deployments.POST,
          "POST",
          "/api/v1/deployments",
          {},
          JSON.stringify({ service: ids.service, stage: "dev", commit: sha(1), decisionId: nul }),
        ),
      ],
      [
        "waiver match",
        call(
          waivers.POST,
          "POST",
          "/api/v1/waivers",
          {},
          JSON.stringify({
            service: ids.service,
            match: { type: "rule", value: nul },
            reason: "long enough reason",
            expiresInDays: 3,
          }),
        ),
      ],
      [
        "waiver reason",
        call(
          waivers.POST,
          "POST",
          "/api/v1/waivers",
          {},
          JSON.stringify({
            service: ids.service,
            match: { type: "rule", value: "r" },
            reason: `long enough ${nul} reason`,
            expiresInDays: 3,
          }),
        ),
      ],
      [
        "200,000 unclosed [",
        call(scans.POST, "POST", "/api/v1/scans", { service: ids.service, commit: sha(2) }, "[".repeat(200_000)),
      ],
      [
        "100,000 nested XML elements",
        call(
          scans.POST,
          "POST",
          "/api/v1/scans",
          { service: ids.service, commit: sha(3) },
          `<?xml version="1.0"?>${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`,
        ),
      ],
      [
        "a scan id with %ff%fe",
        (scan.GET as Handler)(request("GET", "/api/v1/scans/%ff%fe", {}, auth), {
          params: Promise.resolve({ id: "\ufffd\ufffd" }),
        }),
      ],
      [
        "a NUL scan id",
        (scan.GET as Handler)(request("GET", "/api/v1/scans/x", {}, auth), { params: Promise.resolve({ id: nul }) }),
      ],
      [
        "a policy comment with NUL",
        (policies.GET as Handler)(request("GET", "/api/v1/policies/test", { version: "NaN" }, auth), {
          params: Promise.resolve({ stage: "test" }),
        }),
      ],
    ];
    for (const [what, res] of cases) {
      const r = await res;
      expect(r.status, `${what}: ${await r.clone().text()}`).toBeGreaterThanOrEqual(400);
      await expectNo5xx(what, r);
    }
  });

  it("never answers 5xx on any REST endpoint, whatever the path, query and body", async () => {
    type Endpoint = {
      name: string;
      handler: unknown;
      method: string;
      path: (p: string) => string;
      param?: string;
      body?: boolean;
    };
    // Every token route the API declares (app/api/routes.ts): a new route is fuzzed without being listed here. Routes
    // that take a signed-in session need Auth.js in a Next.js request, so sign-in-server.test.ts fuzzes those over
    // the real server.
    const tokenRoutes = API_ROUTES.filter((route) => (route.spec as RouteSpec).auth !== "session");
    expect(tokenRoutes.length).toBeLessThan(API_ROUTES.length);
    const endpoints: Endpoint[] = tokenRoutes.map((route) => {
      const spec: RouteSpec = route.spec;
      const [param] = pathParameters(spec.path);
      return {
        name: `${spec.method} ${spec.path}`,
        handler: route,
        method: spec.method,
        path: (p: string) => (param ? spec.path.replace(`{${param}}`, encodeURIComponent(p.toWellFormed())) : spec.path),
        param,
        body: spec.body !== undefined,
      };
    });
    expect(endpoints.length).toBeGreaterThan(20);
    const param = fc.oneof(nastyString, fc.constantFrom(ids.scan, ids.decision, ids.waiver, "test", "production"));
    const credential = fc.oneof(
      { weight: 4, arbitrary: fc.constant(auth) },
      { weight: 1, arbitrary: fc.constantFrom("", "Bearer gth_" + "A".repeat(36), "Bearer gth_\u00e9\u00ff", "Basic Zm9v") },
    );
    for (const e of endpoints) {
      await fc.assert(
        fc.asyncProperty(param, query, body, credential, async (p, q, b, a) => {
          const withService = { service: ids.service, commit: sha(7), ...q };
          const req = request(e.method, e.path(p), e.body ? withService : q, a, e.body ? b : undefined);
          const res = await (e.handler as Handler)(req, { params: Promise.resolve(e.param ? { [e.param]: p } : {}) });
          await expectNo5xx(
            `${e.name} ${JSON.stringify({ p, q, b: typeof b === "string" ? b.slice(0, 80) : b.slice(0, 20) })}`,
            res,
          );
        }),
        { seed: SEED, numRuns: 60, endOnFailure: true },
      );
    }
    await expectNo5xx(
      "GET /api/v1/openapi.json",
      await (openapi.GET as unknown as Handler)(request("GET", "/api/v1/openapi.json", {}, ""), { params: Promise.resolve({}) }),
    );
  });

  it("never answers INTERNAL_SERVER_ERROR from any tRPC procedure, signed in or not", async () => {
    type Procedure = { _def: { type: string } };
    const paths = Object.keys((appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures).sort();
    expect(paths.length).toBeGreaterThan(40);
    const ctx = (actor: UserActor | null): TrpcContext => ({ db: t.db(), now, actor, requestId: "fuzz" });
    const callers = [createCaller(ctx(users.security)), createCaller(ctx(users.developer)), createCaller(ctx(null))];
    const known = fc.constantFrom(
      { service: ids.service },
      { id: ids.waiver },
      { id: ids.decision },
      { stage: "test", text: "rules: {}", format: "yaml", comment: "a\u0000b" },
      { stage: "test", from: 1, to: 2 },
    );
    const input = fc.oneof(
      { weight: 5, arbitrary: shapedInput },
      {
        weight: 1,
        arbitrary: known.chain((k) =>
          fc.dictionary(fc.constantFrom(...FIELDS), nastyValue, { maxKeys: 3 }).map((extra) => ({ ...k, ...extra })),
        ),
      },
    );
    const shown = (v: unknown) => {
      try {
        return JSON.stringify(v)?.slice(0, 200);
      } catch {
        return "(too deep to print)";
      }
    };
    for (const path of paths) {
      await fc.assert(
        fc.asyncProperty(fc.nat(callers.length - 1), input, async (who, value) => {
          const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], callers[who]) as (
            i: unknown,
          ) => Promise<unknown>;
          try {
            await fn(value);
          } catch (e) {
            expect(e, `${path}(${shown(value)}): ${String(e)}`).toBeInstanceOf(TRPCError);
            expect((e as TRPCError).code, `${path}(${shown(value)}): ${(e as Error).message}`).not.toBe("INTERNAL_SERVER_ERROR");
          }
        }),
        { seed: SEED, numRuns: 12, endOnFailure: true },
      );
    }
  });
});
