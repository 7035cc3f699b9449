// A pipeline uploads its own definition through the REST route, on PGlite and PostgreSQL: the findings land in area 2
// as posture evidence, a second file keeps its own lifecycle, and the gate reads them (production blocks, test warns).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { setRuntime } from "@/server/runtime";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { createToken } from "@/server/tokens/tokens";
import * as gate from "@/app/api/v1/gate/route";
import * as scans from "@/app/api/v1/scans/route";
import { describeEachDatabase } from "@/tests/helpers/db";
import { GATED_WORKFLOW, generic, sha, tokenContext, UNGATED_WORKFLOW, upload } from "@/tests/helpers/fixtures";
import { instaBody, pipelineManifest, pipelineSampleText } from "@/tests/helpers/pipeline-samples";

type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;
const base = "http://localhost";
const noParams = { params: Promise.resolve({}) };

type Check = { id: string; status: string; message: string; remediation: string; findings: string[] };

describeEachDatabase("pipeline posture over REST", (t) => {
  let token: string;

  beforeAll(async () => {
    const ctx = t.ctx();
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    await createTeam(ctx, { slug: "ship" });
    await createService(ctx, { team: "ship", slug: "api" });
    token = (await createToken(ctx, { team: "ship", scopes: ["scans:write", "gate:evaluate", "read"] })).token;
  });
  afterAll(() => setRuntime(undefined));

  async function postScan(query: string, body: string) {
    const res = await (scans.POST as Handler)(
      new Request(`${base}/api/v1/scans?${query}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-yaml" },
        body,
      }),
      noParams,
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async function askGate(stage: string, commit: string) {
    const res = await (gate.POST as Handler)(
      new Request(`${base}/api/v1/gate`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ service: "api", stage, commit }),
      }),
      noParams,
    );
    expect(res.status).toBe(200);
    return (await res.json()) as { decision: string; checks: Check[] };
  }

  /** SAST, SCA and secret evidence, clean, so that only the pipeline decides. */
  async function cleanScans(commit: string) {
    const writer = await tokenContext(t.ctx(), { team: "ship", scopes: ["scans:write"] });
    for (const [tool, kind] of [
      ["semgrep", "sast"],
      ["trivy", "sca"],
      ["gitleaks", "secrets"],
    ] as const)
      await upload(writer, { service: "api", commit }, generic(tool, [], { evidence: [kind] }));
  }

  it("uploads a workflow: format github-actions, posture evidence, a gate-wiring finding in area 2", async () => {
    const commit = sha("posture-1");
    const r = await postScan(`service=api&commit=${commit}&path=.github/workflows/ship.yml`, UNGATED_WORKFLOW);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const scan = r.json.scan as { format: string; evidence: string[]; tool: { name: string }; target: string };
    expect(scan).toMatchObject({ format: "github-actions", evidence: ["posture"] });
    expect([scan.tool.name, scan.target]).toEqual(["gatehouse-pipeline", ".github/workflows/ship.yml"]);
    const list = await queryRows<{ rule_id: string; risk_area: number; kind: string; file: string }>(
      t.db(),
      sql`select rule_id, risk_area, kind, file from findings where rule_id = 'gate-missing'`,
    );
    expect(list).toHaveLength(1);
    expect(Number(list[0]!.risk_area)).toBe(2);
    expect(list[0]!.kind).toBe("posture");
    expect(list[0]!.file).toBe(".github/workflows/ship.yml");
  });

  it("production blocks on the gate-wiring finding and names it; test only warns; the fixed file unblocks", async () => {
    const commit = sha("posture-2");
    await cleanScans(commit);
    const missing = await askGate("production", commit);
    expect(missing.checks.find((c) => c.id === "evidence:posture")?.status).toBe("fail");

    expect((await postScan(`service=api&commit=${commit}&path=.github/workflows/ship.yml`, UNGATED_WORKFLOW)).status).toBe(201);
    const prod = await askGate("production", commit);
    const wiring = prod.checks.find((c) => c.id === "gate-wiring")!;
    expect(wiring.status).toBe("fail");
    expect(wiring.message).toMatch(/gate-missing: Deploys without asking the Gatehouse gate \(deploy/);
    expect(wiring.message).toContain(".github/workflows/ship.yml");
    expect(wiring.remediation).toMatch(/gatehouse gate --stage/);
    expect(prod.checks.find((c) => c.id === "evidence:posture")?.status).toBe("pass");

    const test = await askGate("test", commit);
    expect(test.decision).toBe("allow");
    expect(test.checks.find((c) => c.id === "gate-wiring")?.status).toBe("warn");

    // The fixed file uploaded for the same commit does not erase what that commit's file had (it is retracted)...
    const same = await postScan(`service=api&commit=${commit}&path=.github/workflows/ship.yml`, GATED_WORKFLOW);
    expect(same.json.statistics as { closed: number; retracted: number }).toMatchObject({ closed: 0 });
    expect((same.json.statistics as { retracted: number }).retracted).toBeGreaterThan(0);
    expect((await askGate("production", commit)).checks.find((c) => c.id === "gate-wiring")?.status).toBe("fail");
    // ...the commit that adds the gate to the workflow closes the finding, in that file's scope.
    const next = sha("posture-2-fixed");
    await cleanScans(next);
    const fixed = await postScan(`service=api&commit=${next}&path=.github/workflows/ship.yml`, GATED_WORKFLOW);
    expect((fixed.json.statistics as { closed: number }).closed).toBeGreaterThan(0);
    const after = await askGate("production", next);
    expect(after.checks.find((c) => c.id === "gate-wiring")?.status).toBe("pass");
  });

  it("keeps each pipeline file's findings apart: uploading another file closes nothing of the first", async () => {
    const commit = sha("posture-3");
    const first = await postScan(`service=api&commit=${commit}&path=.github/workflows/deploy.yml`, UNGATED_WORKFLOW);
    expect(first.status).toBe(201);
    const row = pipelineManifest().find((r) => r.file.includes("gitlab-shell"))!;
    const second = await postScan(`service=api&commit=${commit}&path=.gitlab-ci.yml`, pipelineSampleText(row.file));
    expect(second.status, JSON.stringify(second.json)).toBe(201);
    expect((second.json.scan as { format: string }).format).toBe("gitlab-ci");
    expect((second.json.statistics as { closed: number }).closed).toBe(0);
    const prod = await askGate("production", commit);
    expect(prod.checks.find((c) => c.id === "gate-wiring")?.findings.length).toBeGreaterThanOrEqual(4);
  });

  it("accepts zizmor output as posture evidence and refuses YAML bombs and YAML that is no pipeline", async () => {
    const commit = sha("posture-4");
    const row = pipelineManifest().find((r) => r.file.includes("sarif_zizmor"))!;
    const z = await postScan(`service=api&commit=${commit}`, instaBody(pipelineSampleText(row.file)));
    expect(z.status).toBe(201);
    expect(z.json.scan).toMatchObject({ format: "zizmor", evidence: ["posture"] });
    const bomb = `on: push\njobs: {}\na: &a [x, x, x, x, x, x, x, x, x, x]\n${"bcdefgh"
      .split("")
      .map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`)
      .join("\n")}\n`;
    const refused = await postScan(`service=api&commit=${commit}`, bomb);
    expect(refused.status).toBe(400);
    expect(String(refused.json.detail)).toMatch(/aliases expand/);
    const notPipeline = await postScan(`service=api&commit=${commit}`, "name: x\nversion: 2\n");
    expect(notPipeline.status).toBe(415);
  });
});
