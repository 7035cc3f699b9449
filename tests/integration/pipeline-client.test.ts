// The pipeline client served by Gatehouse itself (GET /gatehouse.mjs), and the two CI wrappers around it run as their
// CI would run them: the GitHub composite action's steps and the GitLab template's hidden jobs, each step's script
// executed by the shell with the environment the CI gives it, against the real built server.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sha } from "@/tests/helpers/fixtures";
import { cli, freePort, repoRoot, run, startServer, tempDir, type ExitResult, type RunningServer } from "@/tests/helpers/server";

type Env = Record<string, string>;
type Step = { id?: string; name?: string; shell?: string; env?: Record<string, string>; run?: string; if?: string };
type ActionDef = {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};

const action = parse(readFileSync(path.join(repoRoot, "integrations/github/action.yml"), "utf8")) as ActionDef;
const template = parse(readFileSync(path.join(repoRoot, "integrations/gitlab/gatehouse.yml"), "utf8")) as Record<
  string,
  { script?: string[]; before_script?: string[]; variables?: Record<string, string> }
>;

/** GitHub's `${{ … }}` as this action uses it: inputs, step outputs and the github context; anything else throws. */
function expand(value: string, ctx: { inputs: Env; steps: Record<string, Env>; github: Env }): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    let m = /^inputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.inputs[m[1]!] ?? "";
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.steps[m[1]!]?.[m[2]!] ?? "";
    m = /^github\.(\w+)$/.exec(expr);
    if (m && m[1]! in ctx.github) return ctx.github[m[1]!]!;
    throw new Error(`the test runner does not know the expression ${expr}`);
  });
}

/** GITHUB_OUTPUT's `name=value` lines (the action writes no multi-line values). */
function readOutputs(file: string): Env {
  const out: Env = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    if (line.includes("<<")) throw new Error(`multi-line output not expected: ${line}`);
    const i = line.indexOf("=");
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

type ActionRun = ExitResult & { outputs: Env; steps: Record<string, Env> };

/**
 * Runs the composite action's steps the way the runner does: inputs with their defaults, each step's env expanded,
 * `shell: bash` as `bash --noprofile --norc -eo pipefail <file>`, a fresh GITHUB_OUTPUT per step, stop at the first
 * failure.
 */
async function runAction(inputs: Env, jobEnv: Env, workspace: string, commit: string): Promise<ActionRun> {
  const github = { sha: commit, workspace };
  const resolved: Env = {};
  for (const [name, def] of Object.entries(action.inputs)) {
    if (inputs[name] !== undefined) resolved[name] = inputs[name]!;
    else resolved[name] = expand(def.default ?? "", { inputs: {}, steps: {}, github });
  }
  for (const name of Object.keys(inputs)) if (!(name in action.inputs)) throw new Error(`no input ${name}`);
  const temp = tempDir("gatehouse-runner-temp-");
  const runnerEnv: Env = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_SHA: commit,
    GITHUB_REF: "refs/heads/main",
    GITHUB_REF_NAME: "main",
    GITHUB_WORKSPACE: workspace,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "acme/checkout",
    GITHUB_RUN_ID: "4242",
    RUNNER_TEMP: temp,
    ...jobEnv,
  };
  const steps: Record<string, Env> = {};
  let stdout = "";
  let stderr = "";
  let code: number | null = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    expect(step.shell).toBe("bash");
    expect(step.if).toBeUndefined();
    const ctx = { inputs: resolved, steps, github };
    const stepEnv: Env = {};
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = expand(String(v), ctx);
    const output = path.join(temp, `output-${i}`);
    writeFileSync(output, "");
    const script = path.join(temp, `step-${i}.sh`);
    writeFileSync(script, step.run!);
    const r = await run(
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", script],
      { ...runnerEnv, ...stepEnv, GITHUB_OUTPUT: output },
      120_000,
      workspace,
    );
    stdout += r.stdout;
    stderr += r.stderr;
    if (step.id) steps[step.id] = readOutputs(output);
    code = r.code;
    if (r.code !== 0) break;
  }
  const outputs: Env = {};
  for (const [name, def] of Object.entries(action.outputs))
    outputs[name] = expand(def.value, { inputs: resolved, steps, github });
  return { code, stdout, stderr, outputs, steps };
}

/** A GitLab job extending a hidden job of the template: before_script + script, run as the runner's shell runs it. */
async function runGitlabJob(job: string, vars: Env, workspace: string, commit: string, shell: "bash" | "sh" = "bash") {
  const def = template[job];
  if (!def?.script) throw new Error(`no hidden job ${job}`);
  const lines = [...(def.before_script ?? []), ...def.script];
  const ci: Env = {
    CI: "true",
    GITLAB_CI: "true",
    CI_COMMIT_SHA: commit,
    CI_COMMIT_REF_NAME: "main",
    CI_COMMIT_BRANCH: "main",
    CI_PROJECT_NAME: "checkout",
    CI_PROJECT_DIR: workspace,
    CI_JOB_URL: "https://gitlab.example.com/acme/checkout/-/jobs/77",
    ...(def.variables ?? {}),
    ...vars,
  };
  // The runner: errexit (and pipefail where the shell has it), then each script entry in one shell.
  const prelude = shell === "bash" ? "set -eo pipefail" : "set -e";
  return run(shell, ["-c", `${prelude}\n${lines.join("\n")}`], ci, 120_000, workspace);
}

const report = (kind: string, findings: unknown[] = []) =>
  JSON.stringify({ gatehouse: "1", tool: { name: `${kind}-tool` }, evidence: [kind], findings });
const critical = {
  kind: "dependency",
  ruleId: "CVE-2019-10744",
  title: "Prototype pollution in lodash",
  severity: "critical",
  vulnerabilityId: "CVE-2019-10744",
  package: { ecosystem: "npm", name: "lodash", version: "4.17.11", fixedVersions: ["4.17.12"] },
  location: { file: "package-lock.json" },
};

/** Serves the real client with one byte changed, under the real server's headers: a tampered download. */
async function tamperingServer(upstream: string): Promise<{ url: string; close: () => Promise<void> }> {
  const real = await fetch(`${upstream}/gatehouse.mjs`);
  const body = Buffer.from(await real.arrayBuffer());
  const bad = Buffer.concat([body, Buffer.from("\nprocess.stderr.write('tampered client ran\\n');\n")]);
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "text/javascript; charset=utf-8",
      "x-content-sha256": real.headers.get("x-content-sha256")!,
      "x-gatehouse-version": real.headers.get("x-gatehouse-version")!,
    });
    res.end(bad);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("the pipeline client from Gatehouse itself", () => {
  let server: RunningServer;
  let token: string;
  let readToken: string;
  const dataDir = path.join(tempDir(), "data");
  const serverEnv = { GATEHOUSE_DATA_DIR: dataDir };
  const clientFile = readFileSync(path.join(repoRoot, "bin/gatehouse.mjs"));
  const clientSha = createHash("sha256").update(clientFile).digest("hex");

  async function lastLine(args: string[]): Promise<string> {
    const r = await cli(args, serverEnv);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split("\n").at(-1)!;
  }

  /** Where `checkout` runs now, per the read API. */
  async function deployedAt(stage: string) {
    const res = await fetch(`${server.url}/api/v1/services/checkout`, { headers: { authorization: `Bearer ${readToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      stages: { stage: string; deployment: { commit: string; bypass: boolean; decision: { id: string } | null } | null }[];
    };
    return body.stages.find((s) => s.stage === stage)?.deployment ?? null;
  }

  beforeAll(async () => {
    server = await startServer(serverEnv);
    await lastLine(["team", "create", "shop"]);
    await lastLine(["service", "create", "checkout", "--team", "shop"]);
    token = await lastLine(["token", "create", "--team", "shop", "--scopes", "scans:write,gate:evaluate,deployments:write"]);
    readToken = await lastLine(["token", "create", "--team", "shop", "--scopes", "read"]);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  describe("GET /gatehouse.mjs", () => {
    it("serves bin/gatehouse.mjs without a token, with its version, its SHA-256 and revalidation headers", async () => {
      const res = await fetch(`${server.url}/gatehouse.mjs`);
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(clientFile)).toBe(true);
      const hex = createHash("sha256").update(body).digest("hex");
      expect(res.headers.get("x-content-sha256")).toBe(hex);
      expect(hex).toBe(clientSha);
      expect(res.headers.get("repr-digest")).toBe(`sha-256=:${createHash("sha256").update(body).digest("base64")}:`);
      expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("etag")).toBe(`"sha256-${hex}"`);
      // Never rendered as a page: the policy that allows nothing.
      expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
      const version = /^const VERSION = "([^"]+)";$/m.exec(clientFile.toString())![1]!;
      expect(res.headers.get("x-gatehouse-version")).toBe(version);

      const head = await fetch(`${server.url}/gatehouse.mjs`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("x-content-sha256")).toBe(hex);
      expect(head.headers.get("etag")).toBe(`"sha256-${hex}"`);
      expect((await head.arrayBuffer()).byteLength).toBe(0);

      const again = await fetch(`${server.url}/gatehouse.mjs`, { headers: { "if-none-match": res.headers.get("etag")! } });
      expect(again.status).toBe(304);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
      const changed = await fetch(`${server.url}/gatehouse.mjs`, { headers: { "if-none-match": '"sha256-0000"' } });
      expect(changed.status).toBe(200);
      await changed.arrayBuffer();
    });

    it("is a file a pipeline runs on its own: downloaded with curl into an empty directory, node runs it", async () => {
      const dir = tempDir("gatehouse-download-");
      const curl = await run("curl", ["-fsSL", `${server.url}/gatehouse.mjs`, "-o", "gatehouse.mjs"], {}, 60_000, dir);
      expect(curl.code, curl.stderr).toBe(0);
      const version = await run(process.execPath, ["gatehouse.mjs", "--version"], {}, 60_000, dir);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(/^const VERSION = "([^"]+)";$/m.exec(clientFile.toString())![1]);
      const help = await run(process.execPath, ["gatehouse.mjs", "--help"], {}, 60_000, dir);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("scan upload <file>");
      // The README's lines, as written.
      const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
      const block = /<!-- client-download:begin[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- client-download:end -->/.exec(readme);
      expect(block, "README: the client-download commands are missing").not.toBeNull();
      const readmeDir = tempDir("gatehouse-readme-download-");
      const lines = await run("bash", ["-euo", "pipefail", "-c", block![1]!], { GATEHOUSE_URL: server.url }, 60_000, readmeDir);
      expect(lines.code, lines.stdout + lines.stderr).toBe(0);
      expect(lines.stdout).toContain("gatehouse.mjs: OK");
      // No node_modules, no repository around it: the operator commands say where they run instead of crashing.
      const admin = await run(process.execPath, ["gatehouse.mjs", "help-admin"], {}, 60_000, dir);
      expect(admin.code).toBe(2);
      expect(admin.stderr).toMatch(/operator commands run inside a Gatehouse installation/);
    });
  });

  describe("the GitHub composite action (integrations/github/action.yml)", () => {
    const work = tempDir("gatehouse-gh-workspace-");
    const commit = sha("github-action-clean");
    const inputs = (more: Env): Env => ({ url: server.url, token, service: "checkout", ...more });

    it("is a composite action whose scripts take every input from env:", () => {
      expect(action.runs.using).toBe("composite");
      for (const step of action.runs.steps) {
        expect(step.run).toMatch(/^set -euo pipefail\n/);
        expect(step.run).not.toContain("${{");
        // The token only ever reaches the client through its environment.
        for (const line of step.run!.split("\n").filter((l) => /TOKEN/.test(l)))
          expect(line.trim()).toBe('export GATEHOUSE_TOKEN="${INPUT_TOKEN:-${GATEHOUSE_TOKEN:-}}"');
      }
    });

    it("upload → gate (allow, attestation saved) → deploy (recorded with the decision) → verify", async () => {
      const files = ["sast", "sca", "secrets", "posture"].map((kind) => {
        mkdirSync(path.join(work, "reports"), { recursive: true });
        writeFileSync(path.join(work, "reports", `${kind}.json`), report(kind));
        return `reports/${kind}.json`;
      });
      const up = await runAction(inputs({ command: "upload", file: `${files.join("\n")}\n` }), {}, work, commit);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      expect(up.stdout.match(/^uploaded /gm)).toHaveLength(4);
      expect(up.outputs["client-sha256"]).toBe(clientSha);
      expect(up.stdout + up.stderr).not.toContain(token);

      const gate = await runAction(inputs({ command: "gate", stage: "test", attestation: "vsa.json" }), {}, work, commit);
      expect(gate.code, gate.stdout + gate.stderr).toBe(0);
      expect(gate.stdout).toMatch(/^ALLOW/m);
      expect(gate.outputs.decision).toBe("allow");
      expect(gate.outputs["decision-id"]).toMatch(/^dec_/);
      expect(existsSync(path.join(work, "vsa.json"))).toBe(true);

      const dep = await runAction(
        inputs({ command: "deploy", stage: "test", decision: gate.outputs["decision-id"]! }),
        {},
        work,
        commit,
      );
      expect(dep.code, dep.stdout + dep.stderr).toBe(0);
      expect(dep.stdout).toMatch(/recorded deployment \S+ of checkout to test/);
      const d = await deployedAt("test");
      expect(d).toMatchObject({ commit, bypass: false, decision: { id: gate.outputs["decision-id"] } });

      const keys = await fetch(`${server.url}/api/v1/keys`);
      writeFileSync(path.join(work, "gatehouse-keys.json"), await keys.text());
      // verify is offline: no url, no token.
      const verify = await runAction(
        {
          command: "verify",
          url: server.url,
          attestation: "vsa.json",
          keys: "gatehouse-keys.json",
          stage: "test",
          "client-sha256": clientSha,
        },
        {},
        work,
        commit,
      );
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/^VERIFIED/m);
      const wrongStage = await runAction(
        { command: "verify", url: server.url, attestation: "vsa.json", keys: "gatehouse-keys.json", stage: "production" },
        {},
        work,
        commit,
      );
      expect(wrongStage.code).toBe(1);
      expect(wrongStage.stderr).toMatch(/NOT VERIFIED: stage/);
      expect(wrongStage.stdout).toMatch(/::warning title=Gatehouse::verify runs a client downloaded/);
    });

    it("a blocking report fails the gate step; url, token and service may come from the job's env instead", async () => {
      const blocked = sha("github-action-blocked");
      const dir = tempDir("gatehouse-gh-blocked-");
      for (const kind of ["sast", "secrets", "posture"]) writeFileSync(path.join(dir, `${kind}.json`), report(kind));
      writeFileSync(path.join(dir, "sca.json"), report("sca", [critical]));
      const jobEnv = { GATEHOUSE_URL: server.url, GATEHOUSE_TOKEN: token, GATEHOUSE_SERVICE: "checkout" };
      const up = await runAction(
        { command: "upload", file: "sast.json\nsca.json\nsecrets.json\nposture.json" },
        jobEnv,
        dir,
        blocked,
      );
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const gate = await runAction({ command: "gate", stage: "test" }, jobEnv, dir, blocked);
      expect(gate.code, gate.stdout + gate.stderr).toBe(1);
      expect(gate.stdout).toMatch(/^BLOCK/m);
      expect(gate.outputs.decision).toBe("block");
      // Without a token anywhere, the client refuses rather than asking anonymously.
      const noToken = await runAction(
        { command: "gate", stage: "test" },
        { GATEHOUSE_URL: server.url, GATEHOUSE_SERVICE: "checkout" },
        dir,
        blocked,
      );
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toMatch(/no token/);
    });

    it("refuses a tampered download, a client that differs from client-sha256, and http to another host", async () => {
      const evil = await tamperingServer(server.url);
      try {
        const r = await runAction(inputs({ command: "gate", stage: "test", url: evil.url }), {}, work, commit);
        expect(r.code).toBe(2);
        expect(r.stdout).toMatch(
          /the downloaded client's SHA-256 is [0-9a-f]{64}, the server announced [0-9a-f]{64}: refusing to run it/,
        );
        expect(r.stdout + r.stderr).not.toContain("tampered client ran");
        expect(r.steps.run).toBeUndefined();
        // fail-open never covers a tampered client.
        const open = await runAction(
          inputs({ command: "gate", stage: "test", url: evil.url, "fail-open": "true" }),
          {},
          work,
          commit,
        );
        expect(open.code).toBe(2);
      } finally {
        await evil.close();
      }
      const pinned = await runAction(
        inputs({ command: "gate", stage: "test", "client-sha256": "ab".repeat(32) }),
        {},
        work,
        commit,
      );
      expect(pinned.code).toBe(2);
      expect(pinned.stdout).toMatch(/not the pinned client-sha256/);
      const badPin = await runAction(inputs({ command: "gate", stage: "test", "client-sha256": "v1.2" }), {}, work, commit);
      expect(badPin.code).toBe(2);
      const plain = await runAction(
        inputs({ command: "gate", stage: "test", url: "http://gatehouse.example.com" }),
        {},
        work,
        commit,
      );
      expect(plain.code).toBe(2);
      expect(plain.stdout).toMatch(/is not https/);
    });

    it("fail-open lets a gate through only when Gatehouse cannot be reached, and only when asked", async () => {
      const down = `http://127.0.0.1:${await freePort()}`;
      const closed = await runAction(inputs({ command: "gate", stage: "test", url: down }), {}, work, commit);
      expect(closed.code).toBe(2);
      expect(closed.stdout).toMatch(/cannot download the client/);
      const open = await runAction(inputs({ command: "gate", stage: "test", url: down, "fail-open": "true" }), {}, work, commit);
      expect(open.code).toBe(0);
      expect(open.stdout).toMatch(/::warning title=Gatehouse::fail-open/);
      expect(open.outputs.decision).toBe("");
      const deployOpen = await runAction(
        inputs({ command: "deploy", stage: "test", url: down, "fail-open": "true" }),
        {},
        work,
        commit,
      );
      expect(deployOpen.code).toBe(2);
      const typo = await runAction(inputs({ command: "gate", stage: "test", "fail-open": "yes" }), {}, work, commit);
      expect(typo.code).toBe(2);
      const unknown = await runAction(inputs({ command: "promote", stage: "test" }), {}, work, commit);
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toMatch(/command must be upload, gate, deploy or verify/);
    });
  });

  describe("the GitLab CI template (integrations/gitlab/gatehouse.yml)", () => {
    const vars = (more: Env = {}): Env => ({ GATEHOUSE_URL: server.url, GATEHOUSE_TOKEN: token, ...more });

    it("defines the four hidden jobs and sets no variable a pipeline's own would lose to", () => {
      for (const job of [".gatehouse-upload", ".gatehouse-gate", ".gatehouse-deploy", ".gatehouse-verify"]) {
        expect(template[job]?.script?.length, job).toBeGreaterThan(0);
        expect(template[job]?.variables, job).toBeUndefined();
      }
    });

    it("upload → gate (allow; attestation and decision id for later jobs) → deploy → verify, under bash and sh", async () => {
      for (const shell of ["bash", "sh"] as const) {
        const work = tempDir("gatehouse-gl-workspace-");
        const commit = sha(`gitlab-template-clean-${shell}`);
        for (const kind of ["sast", "sca", "secrets", "posture"]) writeFileSync(path.join(work, `${kind}.json`), report(kind));
        const up = await runGitlabJob(
          ".gatehouse-upload",
          vars({ GATEHOUSE_FILES: "sast.json sca.json secrets.json posture.json" }),
          work,
          commit,
          shell,
        );
        expect(up.code, up.stdout + up.stderr).toBe(0);
        expect(up.stdout.match(/^uploaded /gm)).toHaveLength(4);
        expect(up.stdout).toContain(`Gatehouse client sha256:${clientSha}`);

        const gate = await runGitlabJob(".gatehouse-gate", vars({ GATEHOUSE_STAGE: "test" }), work, commit, shell);
        expect(gate.code, gate.stdout + gate.stderr).toBe(0);
        expect(gate.stdout).toMatch(/^ALLOW/m);
        expect(existsSync(path.join(work, "gatehouse-vsa.json"))).toBe(true);
        const dotenv = readFileSync(path.join(work, "gatehouse.env"), "utf8");
        const decisionId = /^GATEHOUSE_DECISION_ID=(dec_\S+)$/m.exec(dotenv)?.[1];
        expect(decisionId).toBeDefined();

        // The deploy job needs the gate job: GitLab hands it the dotenv report's variables.
        const dep = await runGitlabJob(
          ".gatehouse-deploy",
          vars({ GATEHOUSE_STAGE: "test", GATEHOUSE_DECISION_ID: decisionId! }),
          work,
          commit,
          shell,
        );
        expect(dep.code, dep.stdout + dep.stderr).toBe(0);
        expect(await deployedAt("test")).toMatchObject({ commit, bypass: false, decision: { id: decisionId } });

        writeFileSync(path.join(work, "keys.pem"), await (await fetch(`${server.url}/api/v1/keys?format=pem`)).text());
        const verify = await runGitlabJob(
          ".gatehouse-verify",
          { GATEHOUSE_URL: server.url, GATEHOUSE_STAGE: "test", GATEHOUSE_KEYS: "keys.pem", GATEHOUSE_CLIENT_SHA256: clientSha },
          work,
          commit,
          shell,
        );
        expect(verify.code, verify.stdout + verify.stderr).toBe(0);
        expect(verify.stdout).toMatch(/^VERIFIED/m);
        const otherCommit = await runGitlabJob(
          ".gatehouse-verify",
          { GATEHOUSE_URL: server.url, GATEHOUSE_STAGE: "test", GATEHOUSE_KEYS: "keys.pem" },
          work,
          sha("another-commit"),
          shell,
        );
        expect(otherCommit.code).toBe(1);
        expect(otherCommit.stderr).toMatch(/NOT VERIFIED: subject/);
      }
    });

    it("a blocking report fails the gate job under bash and under sh (no pipe swallows the exit code)", async () => {
      for (const shell of ["bash", "sh"] as const) {
        const work = tempDir("gatehouse-gl-blocked-");
        const commit = sha(`gitlab-template-blocked-${shell}`);
        for (const kind of ["sast", "secrets", "posture"]) writeFileSync(path.join(work, `${kind}.json`), report(kind));
        writeFileSync(path.join(work, "sca.json"), report("sca", [critical]));
        const up = await runGitlabJob(
          ".gatehouse-upload",
          vars({ GATEHOUSE_FILES: "sast.json\nsca.json\nsecrets.json\nposture.json" }),
          work,
          commit,
          shell,
        );
        expect(up.code, up.stdout + up.stderr).toBe(0);
        const gate = await runGitlabJob(".gatehouse-gate", vars({ GATEHOUSE_STAGE: "test" }), work, commit, shell);
        expect(gate.code, `${shell}: ${gate.stdout}${gate.stderr}`).toBe(1);
        expect(gate.stdout).toMatch(/^BLOCK/m);
        expect(existsSync(path.join(work, "gatehouse.env"))).toBe(false);
        // Recording the deployment anyway is a gate bypass, and GATEHOUSE_FAIL_ON_BYPASS fails the job.
        const dep = await runGitlabJob(
          ".gatehouse-deploy",
          vars({ GATEHOUSE_STAGE: "test", GATEHOUSE_FAIL_ON_BYPASS: "true" }),
          work,
          commit,
          shell,
        );
        expect(dep.code).toBe(1);
        expect(dep.stdout).toMatch(/GATE BYPASS/);
      }
    });

    it("refuses a tampered download and a pinned hash it does not match; fails open only on an outage when asked", async () => {
      const work = tempDir("gatehouse-gl-refuse-");
      const commit = sha("gitlab-template-refusals");
      const evil = await tamperingServer(server.url);
      try {
        const r = await runGitlabJob(
          ".gatehouse-gate",
          vars({ GATEHOUSE_URL: evil.url, GATEHOUSE_STAGE: "test", GATEHOUSE_FAIL_OPEN: "true" }),
          work,
          commit,
        );
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/refusing to run it/);
        expect(r.stdout + r.stderr).not.toContain("tampered client ran");
      } finally {
        await evil.close();
      }
      const pinned = await runGitlabJob(
        ".gatehouse-gate",
        vars({ GATEHOUSE_STAGE: "test", GATEHOUSE_CLIENT_SHA256: "cd".repeat(32) }),
        work,
        commit,
      );
      expect(pinned.code).toBe(2);
      expect(pinned.stderr).toMatch(/not GATEHOUSE_CLIENT_SHA256/);
      const down = `http://127.0.0.1:${await freePort()}`;
      const closed = await runGitlabJob(".gatehouse-gate", vars({ GATEHOUSE_URL: down, GATEHOUSE_STAGE: "test" }), work, commit);
      expect(closed.code).toBe(2);
      const open = await runGitlabJob(
        ".gatehouse-gate",
        vars({ GATEHOUSE_URL: down, GATEHOUSE_STAGE: "test", GATEHOUSE_FAIL_OPEN: "true" }),
        work,
        commit,
      );
      expect(open.code).toBe(0);
      expect(open.stderr).toMatch(/WITHOUT a gate decision/);
      const plain = await runGitlabJob(
        ".gatehouse-gate",
        vars({ GATEHOUSE_URL: "http://gatehouse.internal", GATEHOUSE_STAGE: "test" }),
        work,
        commit,
      );
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/is not https/);
    });
  });
});
