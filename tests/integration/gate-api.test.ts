// The gate as pipelines use it: the real server, the dependency-free client's exit codes, and the REST contract.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha, UNGATED_WORKFLOW } from "@/tests/helpers/fixtures";
import { Jar, submitForm } from "@/tests/helpers/forms";
import { samplesDir } from "@/tests/helpers/samples";
import { cli, freePort, run, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";
import { fetchChecked } from "@/tests/helpers/contract";

let server: RunningServer;
let token: string;
/** An organisation token: stage policies are organisation-wide, so only such a token changes them. */
let orgToken: string;
const dataDir = path.join(tempDir(), "data");
const env = { GATEHOUSE_DATA_DIR: dataDir };
const client = (args: string[], extra: Record<string, string | undefined> = {}) =>
  run(process.execPath, [path.resolve("bin/gatehouse.mjs"), ...args], {
    GATEHOUSE_URL: server.url,
    GATEHOUSE_TOKEN: token,
    ...extra,
  });
const sample = (rel: string) => path.join(samplesDir, rel);

async function lastLine(args: string[]): Promise<string> {
  const r = await cli(args, env);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").at(-1)!;
}

beforeAll(async () => {
  server = await startServer(env);
  await lastLine(["team", "create", "shop"]);
  await lastLine(["service", "create", "api", "--team", "shop"]);
  token = await lastLine([
    "token",
    "create",
    "--team",
    "shop",
    "--scopes",
    "scans:write,gate:evaluate,deployments:write,waivers:write,read",
  ]);
  orgToken = await lastLine(["token", "create", "--org", "--scopes", "policies:write,read"]);
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

async function api(method: string, p: string, body?: unknown, headers: Record<string, string> = {}, bearer = token) {
  const res = await fetchChecked(`${server.url}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", json: (await res.json()) as Record<string, unknown> };
}

describe("the pipeline client", () => {
  const commit = sha("client-1");

  it("uploads a workflow file as it sits in the checkout: gatehouse scan upload .github/workflows/ship.yml", async () => {
    const checkout = tempDir();
    mkdirSync(path.join(checkout, ".github/workflows"), { recursive: true });
    writeFileSync(path.join(checkout, ".github/workflows/ship.yml"), UNGATED_WORKFLOW);
    const c = sha("client-workflow");
    const r = await run(
      process.execPath,
      [path.resolve("bin/gatehouse.mjs"), "scan", "upload", ".github/workflows/ship.yml", "--service", "api", "--json"],
      { GATEHOUSE_URL: server.url, GATEHOUSE_TOKEN: token, GATEHOUSE_COMMIT: c },
      60_000,
      checkout,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { scan: { format: string; evidence: string[]; tool: { name: string }; target: string } };
    expect(out.scan).toMatchObject({ format: "github-actions", evidence: ["posture"] });
    expect([out.scan.tool.name, out.scan.target]).toEqual(["gatehouse-pipeline", ".github/workflows/ship.yml"]);
    const gate = await api("POST", "/api/v1/gate", { service: "api", stage: "production", commit: c });
    const wiring = (gate.json.checks as { id: string; status: string; message: string }[]).find((x) => x.id === "gate-wiring")!;
    expect(wiring.status).toBe("fail");
    expect(wiring.message).toContain("gate-missing");
  });

  it("uploads reports with commit, branch and run URL taken from GitHub Actions variables", async () => {
    const gha = {
      GITHUB_ACTIONS: "true",
      GITHUB_SHA: commit,
      GITHUB_REF_NAME: "main",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/api",
      GITHUB_RUN_ID: "4242",
    };
    const r = await client(
      [
        "scan",
        "upload",
        sample("gitleaks/defectdojo__gitleaks__gitleaks8_many.json"),
        "--service",
        "api",
        "--format",
        "gitleaks",
        "--json",
      ],
      gha,
    );
    expect(r.code, r.stderr).toBe(0);
    const scan = (JSON.parse(r.stdout) as { scan: Record<string, unknown> }).scan;
    expect(scan).toMatchObject({
      commit,
      branch: "main",
      pipelineRun: "https://github.com/acme/api/actions/runs/4242",
      format: "gitleaks",
    });
  });

  it("takes them from GitLab CI variables too", async () => {
    const gl = {
      GITLAB_CI: "true",
      CI_COMMIT_SHA: sha("gitlab-1"),
      CI_COMMIT_REF_NAME: "release/1.2",
      CI_JOB_URL: "https://gitlab.com/acme/api/-/jobs/7",
    };
    const r = await client(
      ["scan", "upload", sample("semgrep/defectdojo__semgrep__cwe_list.json"), "--service", "api", "--json"],
      gl,
    );
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { scan: Record<string, unknown> }).scan).toMatchObject({
      commit: sha("gitlab-1"),
      branch: "release/1.2",
      pipelineRun: "https://gitlab.com/acme/api/-/jobs/7",
    });
  });

  it("exits 1 on block and prints the failed checks with their remediation and the decision URL", async () => {
    const r = await client(["gate", "--service", "api", "--stage", "test", "--commit", commit]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^BLOCK/);
    expect(r.stdout).toMatch(/FAIL .*secret/i);
    expect(r.stdout).toMatch(/fix: /);
    expect(r.stdout).toMatch(/decision dec_[0-9a-z]{26}: http/);
  });

  it("exits 0 on allow once the evidence is clean", async () => {
    const clean = sha("client-2");
    // Evidence kinds come from the report; a clean generic report per kind keeps this independent of samples.
    for (const kind of ["sast", "sca", "secrets"]) {
      const f = path.join(tempDir(), `${kind}.json`);
      writeFileSync(f, JSON.stringify({ gatehouse: "1", tool: { name: `${kind}-tool` }, evidence: [kind], findings: [] }));
      const up = await client(["scan", "upload", f, "--service", "api", "--commit", clean]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/^uploaded .*\n {2}0 findings/);
    }
    const r = await client(["gate", "--service", "api", "--stage", "test", "--commit", clean]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW/);
    const deployed = await client(["deploy", "--service", "api", "--stage", "test", "--commit", clean]);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/recorded deployment dep_/);
    const bypass = await client(["deploy", "--service", "api", "--stage", "production", "--commit", clean, "--fail-on-bypass"]);
    expect(bypass.code).toBe(1);
    expect(bypass.stdout).toMatch(/GATE BYPASS/);
  });

  it("exits 2 when the server is unreachable or the token is bad, unless --fail-open", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const args = ["gate", "--service", "api", "--stage", "test", "--commit", sha(1)];
    const r = await client(args, { GATEHOUSE_URL: dead });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach Gatehouse/);
    const open = await client([...args, "--fail-open"], { GATEHOUSE_URL: dead });
    expect(open.code).toBe(0);
    expect(open.stderr).toMatch(/WITHOUT a gate decision/);
    const bad = await client(args, { GATEHOUSE_TOKEN: "gth_" + "x".repeat(36) });
    expect(bad.code).toBe(2);
    // --fail-open is for outages, not for a misconfigured pipeline.
    expect((await client([...args, "--fail-open"], { GATEHOUSE_TOKEN: "gth_" + "x".repeat(36) })).code).toBe(2);
    expect(bad.stderr).toMatch(/HTTP 401/);
    const unknown = await client(["gate", "--service", "nope", "--stage", "test", "--commit", sha(1)]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/HTTP 404/);
  });
});

describe("REST: /api/v1/gate, decisions, policies, waivers, deployments", () => {
  it("answers a block with 200 and keeps the decision exactly as given", async () => {
    const r = await api("POST", "/api/v1/gate", { service: "api", stage: "production", commit: sha("rest-1") });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      decision: "block",
      service: "api",
      stage: "production",
      commit: sha("rest-1"),
      artifact: null,
    });
    expect(r.json.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: "previous-stage:test", status: "fail" })]),
    );
    const again = await api("GET", `/api/v1/gate/decisions/${String(r.json.decisionId)}`);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(r.json);
  });

  it("refuses bad requests with problem+json", async () => {
    const cases: [string, string, unknown, Record<string, string>, number, string][] = [
      ["POST", "/api/v1/gate", "{not json", { "content-type": "application/json" }, 400, "/problems/malformed-json"],
      ["POST", "/api/v1/gate", { service: "api", stage: "test" }, {}, 400, "/problems/validation-error"],
      ["POST", "/api/v1/gate", { service: "api", stage: "staging", commit: sha(2) }, {}, 404, "/problems/unknown-stage"],
      [
        "POST",
        "/api/v1/gate",
        { service: "api", stage: "test", commit: sha(2) },
        { authorization: "" },
        401,
        "/problems/unauthorized",
      ],
      ["POST", "/api/v1/gate", "service=api", { "content-type": "text/plain" }, 415, "/problems/unsupported-media-type"],
      ["GET", "/api/v1/gate/decisions/dec_nope", undefined, {}, 404, "/problems/not-found"],
    ];
    for (const [method, p, body, headers, status, type] of cases) {
      const r = await api(method, p, body, headers);
      expect(r.status, `${type} ${JSON.stringify(r.json)}`).toBe(status);
      expect(r.type).toBe("application/problem+json");
      expect(r.json.type).toBe(type);
    }
    const malformed = await api("POST", "/api/v1/gate", '{\n "service": }', { "content-type": "application/json" });
    expect(malformed.json).toMatchObject({ line: 2, column: 13 });
  });

  it("reads and writes policies, JSON or YAML, refusing an invalid one with its exact path", async () => {
    const current = await api("GET", "/api/v1/policies/test");
    expect(current.status).toBe(200);
    expect(current.json).toMatchObject({ stage: "test", version: 1 });
    // A team's token cannot rewrite every team's policy, however it was made…
    const refused = await api("PUT", "/api/v1/policies/test", { rules: {} });
    expect(refused.status).toBe(403);
    const teamBound = await cli(["token", "create", "--team", "shop", "--service", "api", "--scopes", "policies:write"], env);
    expect(teamBound.code).toBe(1);
    expect(teamBound.stderr).toContain("organisation-wide");
    // …an organisation token can.
    const org = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
      api(method, p, body, headers, orgToken);
    const bad = await org("PUT", "/api/v1/policies/test", "rules:\n  noSecrets:\n    mode: sometimes\n", {
      "content-type": "application/yaml",
    });
    expect(bad.status).toBe(422);
    expect(bad.json.type).toBe("/problems/invalid-policy");
    expect(bad.json.errors).toEqual([expect.objectContaining({ path: "rules.noSecrets.mode" })]);
    const yaml =
      "description: stricter\nrules:\n  noSecrets:\n    mode: fail\n  maxFindings:\n    - severity: high\n      max: 0\n";
    const put = await org("PUT", "/api/v1/policies/test?comment=stricter", yaml, { "content-type": "application/yaml" });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ version: 2, comment: "stricter", document: { description: "stricter" } });
    const history = await org("GET", "/api/v1/policies/test/versions");
    expect((history.json.versions as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    const restore = await org("PUT", "/api/v1/policies/test", (current.json as { document: unknown }).document);
    // An organisation token reads no team's data.
    expect((await org("GET", "/api/v1/waivers?service=api")).status).toBe(404);
    expect(restore.json).toMatchObject({ version: 3 });
  });

  it("creates a waiver that needs a second person, lists and revokes it", async () => {
    const w = await api("POST", "/api/v1/waivers", {
      service: "api",
      match: { type: "rule", value: "aws-access-token" },
      reason: "Documented example key in tests, not a credential.",
      expiresInDays: 30,
      stages: ["test"],
    });
    expect(w.status, JSON.stringify(w.json)).toBe(201);
    expect(w.json).toMatchObject({ status: "pending", kind: "waiver", service: "api" });
    const self = await api("POST", `/api/v1/waivers/${String(w.json.id)}/approve`);
    expect(self.status).toBe(403);
    expect(self.json.type).toBe("/problems/approval-needs-person");
    // At the console, approval names the security person who approves (an enabled account with that role).
    const anonymous = await cli(["waiver", "approve", String(w.json.id)], env);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain("--as <email> is required");
    const invite = await cli(["user", "invite", "--email", "sec@example.com", "--role", "security"], env);
    const link = /http:\/\/\S+\/setup\?token=\S+/.exec(invite.stdout)![0];
    const made = await submitForm(
      link,
      { name: "Sec", password: "a long and private phrase", confirm: "a long and private phrase" },
      new Jar(),
    );
    expect(made.status).toBe(303);
    const approved = await cli(["waiver", "approve", String(w.json.id), "--as", "sec@example.com"], env);
    expect(approved.code, approved.stderr).toBe(0);
    const events = (await cli(["audit", "export"], env)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { action: string; actorType: string; actorLabel: string; targetId: string; after: unknown });
    expect(events.find((e) => e.action === "waiver.approve" && e.targetId === w.json.id)).toMatchObject({
      actorType: "user",
      actorLabel: "sec@example.com",
      after: expect.objectContaining({ approvedBy: "sec@example.com", via: expect.stringMatching(/^cli:/) }),
    });
    const list = await api("GET", "/api/v1/waivers?service=api");
    expect((list.json.waivers as { id: string; status: string }[]).find((x) => x.id === w.json.id)?.status).toBe("active");
    const revoked = await api("POST", `/api/v1/waivers/${String(w.json.id)}/revoke`);
    expect(revoked.json).toMatchObject({ status: "revoked" });
    const tooLong = await api("POST", "/api/v1/waivers", {
      service: "api",
      match: { type: "rule", value: "x" },
      reason: "long enough reason here",
      expiresInDays: 365,
    });
    expect(tooLong.status).toBe(400);
  });

  it("records deployments and flags a bypass", async () => {
    const r = await api("POST", "/api/v1/deployments", { service: "api", stage: "production", commit: sha("never-gated") });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ bypass: true, decisionId: null });
    expect(String(r.json.bypassReason)).toMatch(/no allow decision/);
  });

  it("lists every public endpoint in openapi.json", async () => {
    const doc = (await (await fetchChecked(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/scans",
        "/api/v1/scans/{id}",
        "/api/v1/gate",
        "/api/v1/gate/decisions/{id}",
        "/api/v1/gate/decisions/{id}/attestation",
        "/api/v1/keys",
        "/api/v1/policies/{stage}",
        "/api/v1/policies/{stage}/versions",
        "/api/v1/waivers",
        "/api/v1/waivers/{id}/approve",
        "/api/v1/waivers/{id}/revoke",
        "/api/v1/deployments",
      ]),
    );
  });
});
