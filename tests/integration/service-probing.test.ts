// Another team's service names cannot be probed (issue 11, item 6): every endpoint answers a service the token may not
// see exactly as it answers a name that does not exist. Auto-registration on first upload stays for team-wide tokens
// and can be turned off.
import { afterAll, beforeAll, expect, it } from "vitest";
import * as gateRoute from "@/app/api/v1/gate/route";
import * as scansRoute from "@/app/api/v1/scans/route";
import * as deploymentsRoute from "@/app/api/v1/deployments/route";
import * as stagesRoute from "@/app/api/v1/services/[slug]/stages/route";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { createToken } from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, tokenContext, uniqueSlug, upload } from "@/tests/helpers/fixtures";

type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;
const base = "http://localhost";

/** The answer without what differs per request or per name: what a prober could compare. */
async function shape(res: Response, slug: string) {
  const body = (await res.json()) as Record<string, unknown>;
  delete body.requestId;
  return { status: res.status, body: JSON.stringify(body).replaceAll(slug, "<slug>") };
}

describeEachDatabase("service names cannot be probed", (t) => {
  let mine = "";
  let theirs = "";
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    mine = uniqueSlug("mine");
    theirs = uniqueSlug("theirs");
    await createTeam(t.ctx(), { slug: mine });
    await createTeam(t.ctx(), { slug: theirs });
    await createService(t.ctx(), { team: mine, slug: `${mine}-a` });
    await createService(t.ctx(), { team: theirs, slug: `${theirs}-secret` });
    const scopes = ["scans:write", "gate:evaluate", "deployments:write", "read"] as const;
    tokens.bound = (await createToken(t.ctx(), { team: mine, services: [`${mine}-a`], scopes: [...scopes] })).token;
    tokens.wide = (await createToken(t.ctx(), { team: mine, scopes: [...scopes] })).token;
  });
  afterAll(() => setRuntime(undefined));

  const call = (handler: unknown, method: string, path: string, token: string, body?: string, params = {}) =>
    (handler as Handler)(
      new Request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body,
      }),
      { params: Promise.resolve(params) },
    );

  it("answers another team's service exactly as an unknown name, on every endpoint", async () => {
    const existing = `${theirs}-secret`;
    const unknown = `${theirs}-nothing`;
    const endpoints = (slug: string, token: string) => [
      call(scansRoute.POST, "POST", `/api/v1/scans?service=${slug}&commit=${sha(1)}`, token, generic("t", [])),
      call(gateRoute.POST, "POST", "/api/v1/gate", token, JSON.stringify({ service: slug, stage: "test", commit: sha(1) })),
      call(
        deploymentsRoute.POST,
        "POST",
        "/api/v1/deployments",
        token,
        JSON.stringify({ service: slug, stage: "dev", commit: sha(1) }),
      ),
      call(stagesRoute.GET, "GET", `/api/v1/services/${slug}/stages`, token, undefined, { slug }),
    ];
    // A service-bound token can create nothing: the two names must look the same everywhere.
    const a = await Promise.all(endpoints(existing, tokens.bound!).map(async (r) => shape(await r, existing)));
    const b = await Promise.all(endpoints(unknown, tokens.bound!).map(async (r) => shape(await r, unknown)));
    expect(a.map((x) => x.status)).toEqual([404, 404, 404, 404]);
    expect(a).toEqual(b);
    // A team-wide token cannot register a name another team holds, and it is told so in the same words.
    const upload = await shape(await endpoints(existing, tokens.wide!)[0]!, existing);
    expect(upload).toEqual(b[0]);
  });

  it("auto-registers on a team-wide token's first upload, unless GATEHOUSE_AUTO_REGISTER_SERVICES=0", async () => {
    const wide = await tokenContext(t.ctx(), { team: mine, scopes: ["scans:write"] });
    const off = uniqueSlug("off");
    await expect(upload(wide, { service: off, commit: sha(2) }, generic("t", []), undefined)).resolves.toMatchObject({
      scan: { service: off },
    });
    const refused = uniqueSlug("refused");
    const body = new TextEncoder().encode(generic("t", []));
    const { ingestReport } = await import("@/server/ingest/ingest-report");
    await expect(
      ingestReport(wide, { service: refused, commit: sha(2) }, body, { autoRegisterServices: false }),
    ).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining(`Service "${refused}" was not found for this token`),
    });
  });
});
