// Saving a policy from a stale version is refused the same way on both transports: the dashboard's policies.save
// (tRPC CONFLICT) and PUT /api/v1/policies/{stage} (409 problem+json, with If-Match or ?baseVersion=).
import { TRPCError } from "@trpc/server";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { policies } from "@/db/schema";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import { setRuntime } from "@/server/runtime";
import { createTeam } from "@/server/teams/teams";
import { createToken } from "@/server/tokens/tokens";
import * as policyRoute from "@/app/api/v1/policies/[stage]/route";
import { checked } from "@/tests/helpers/contract";
import { describeEachDatabase } from "@/tests/helpers/db";

const base = "http://localhost";
const security: UserActor = { type: "user", id: "usr_pc_sec", label: "sec@example.com", role: "security", teamIds: [] };
const doc = (maxCritical: number) => JSON.stringify({ rules: { maxFindings: [{ severity: "critical", max: maxCritical }] } });

describeEachDatabase("policy saves from a stale version", (t) => {
  let token = "";
  const api = () => createCaller({ db: t.db(), now: () => new Date(), actor: security } satisfies TrpcContext);
  const put = (body: string, headers: Record<string, string> = {}, query = "") =>
    checked(policyRoute.PUT)(
      new Request(`${base}/api/v1/policies/test${query}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body,
      }),
      { stage: "test" },
    );
  const get = () =>
    checked(policyRoute.GET)(new Request(`${base}/api/v1/policies/test`, { headers: { authorization: `Bearer ${token}` } }), {
      stage: "test",
    });
  const versions = async () =>
    (await t.db().select().from(policies).where(eq(policies.stage, "test")).orderBy(asc(policies.version))).map((p) => p.version);

  beforeAll(async () => {
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    await createTeam(t.ctx(), { slug: "pc-team" });
    // Stage policies are organisation-wide: an organisation token writes them.
    token = (await createToken(t.ctx(), { org: true, scopes: ["policies:write", "read"] })).token;
  });
  afterAll(() => setRuntime(undefined));

  it("REST: GET gives the version as ETag; PUT with If-Match of that version saves, a stale one gets 409", async () => {
    const first = await get();
    expect(first.status).toBe(200);
    const v = ((await first.json()) as { version: number }).version;
    expect(first.headers.get("etag")).toBe(`"${v}"`);

    const saved = await put(doc(0), { "if-match": `"${v}"` });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(saved.headers.get("etag")).toBe(`"${v + 1}"`);
    expect(((await saved.json()) as { version: number }).version).toBe(v + 1);

    const before = await versions();
    const stale = await put(doc(1), { "if-match": `"${v}"` });
    expect(stale.status).toBe(409);
    expect(stale.headers.get("content-type")).toBe("application/problem+json");
    expect(await stale.json()).toMatchObject({
      type: "/problems/policy-changed",
      status: 409,
      currentVersion: v + 1,
      baseVersion: v,
    });
    const staleQuery = await put(doc(1), {}, `?baseVersion=${v}`);
    expect(staleQuery.status).toBe(409);
    expect(await versions()).toEqual(before);

    // Without a base version the save is unconditional, as before.
    expect((await put(doc(2))).status).toBe(200);
  });

  it("REST: a malformed or contradictory base version is a 400, and nothing is saved", async () => {
    const before = await versions();
    const cur = before.at(-1)!;
    for (const [headers, query] of [
      [{ "if-match": "yesterday" }, ""],
      [{}, "?baseVersion=-1"],
      [{ "if-match": `"${cur}"` }, `?baseVersion=${cur - 1}`],
    ] as const) {
      const res = await put(doc(3), headers, query);
      expect(res.status, JSON.stringify([headers, query])).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await versions()).toEqual(before);
  });

  it("the two transports see each other's saves: a stale dashboard save after a REST save is a CONFLICT, and back", async () => {
    const opened = (await api().policies.get({ stage: "test" })).version;
    expect((await put(doc(4), { "if-match": `"${opened}"` })).status).toBe(200);
    const e = await api()
      .policies.save({ stage: "test", text: doc(5), format: "json", comment: "from an old tab", baseVersion: opened })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(TRPCError);
    expect((e as TRPCError).code).toBe("CONFLICT");
    expect((e as TRPCError).message).toContain(`Version ${opened + 1} was saved by token:`);

    const saved = await api().policies.save({
      stage: "test",
      text: doc(6),
      format: "json",
      comment: "from the dashboard",
      baseVersion: opened + 1,
    });
    expect(saved.version).toBe(opened + 2);
    const rest = await put(doc(7), { "if-match": `"${opened + 1}"` });
    expect(rest.status).toBe(409);
    expect(((await rest.json()) as { detail: string }).detail).toContain(`saved by ${security.label}`);
  });

  it("two writers from the same version at once: exactly one saves", async () => {
    const v = (await versions()).at(-1)!;
    const answers = await Promise.all([put(doc(8), { "if-match": `"${v}"` }), put(doc(9), { "if-match": `"${v}"` })]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await versions()).at(-1)).toBe(v + 1);
  });
});
