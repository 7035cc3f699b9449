#!/usr/bin/env node
// gatehouse: the pipeline client (gate, scan upload, deploy) in one file with no dependencies beyond Node 20,
// and, inside a Gatehouse installation, the operator commands (team, service, token, policy, waiver, migrate).
//
// Pipeline exit codes: 0 allow / success, 1 block, 2 error or unreachable server (fail closed; --fail-open to pass).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const PIPELINE = new Set(["gate", "scan", "deploy"]);
const VERSION = "0.1.0";

const HELP = `usage: gatehouse <command> [options]

pipeline commands (need GATEHOUSE_URL and GATEHOUSE_TOKEN, or --url and --token):
  gate --service <slug> --stage <stage> [--commit <sha>] [--artifact sha256:…] [--branch <name>] [--json] [--fail-open]
      Ask whether this build may enter the stage. Exit 0 allow, 1 block, 2 error (fails closed).
  scan upload <file> --service <slug> [--format auto|<id>] [--scanner <name>] [--commit <sha>] [--branch <name>]
                     [--artifact sha256:…] [--stage <stage>] [--path <repo path>]
      Post a scanner report as the tool wrote it, or a pipeline definition (.github/workflows/*.yml, .gitlab-ci.yml).
      Commit, branch and run URL come from GitHub Actions or GitLab CI; the file's path is sent as given.
  deploy --service <slug> --stage <stage> [--commit <sha>] [--artifact sha256:…] [--decision <id>] [--fail-on-bypass]
      Record what now runs in a stage; a deployment without an allow decision is reported as a gate bypass.

operator commands (inside a Gatehouse installation): run \`gatehouse help-admin\`.
`;

/** Commit, branch and run URL from the CI's own variables (GitHub Actions, GitLab CI). */
export function ciContext(env = process.env) {
  if (env.GITHUB_ACTIONS === "true" || env.GITHUB_SHA) {
    const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.GITHUB_REF?.replace(/^refs\/(heads|tags)\//, "");
    const run =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    return { commit: env.GITHUB_SHA, branch, pipelineRun: run };
  }
  if (env.GITLAB_CI === "true" || env.CI_COMMIT_SHA) {
    return {
      commit: env.CI_COMMIT_SHA,
      branch: env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || env.CI_COMMIT_REF_NAME || env.CI_COMMIT_BRANCH,
      pipelineRun: env.CI_JOB_URL || env.CI_PIPELINE_URL,
    };
  }
  return { commit: env.GATEHOUSE_COMMIT, branch: env.GATEHOUSE_BRANCH, pipelineRun: undefined };
}

class ClientError extends Error {
  constructor(message, { outage = false } = {}) {
    super(message);
    this.outage = outage;
  }
}

function config(values) {
  const url = (values.url ?? process.env.GATEHOUSE_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  const token = values.token ?? process.env.GATEHOUSE_TOKEN;
  if (!token) throw new ClientError("no token: set GATEHOUSE_TOKEN or pass --token");
  return { url, token };
}

async function call(cfg, method, pathname, { body, headers = {}, timeoutMs = 120_000 } = {}) {
  let res;
  try {
    res = await fetch(`${cfg.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${cfg.token}`, "user-agent": `gatehouse-cli/${VERSION}`, ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new ClientError(`cannot reach Gatehouse at ${cfg.url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`, {
      outage: true,
    });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new ClientError(`unexpected answer from ${cfg.url} (HTTP ${res.status}, not JSON)`, { outage: res.status >= 500 });
  }
  if (!res.ok) {
    const detail = json.detail ?? json.title ?? `HTTP ${res.status}`;
    throw new ClientError(
      `${detail} (HTTP ${res.status}${json.type ? `, ${json.type}` : ""}${json.requestId ? `, request ${json.requestId}` : ""})`,
    );
  }
  return { status: res.status, json };
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const mark = { pass: paint(32, "PASS"), warn: paint(33, "WARN"), fail: paint(31, "FAIL") };

function need(values, name, fallback) {
  const v = values[name] ?? fallback;
  if (!v) throw new ClientError(`--${name} is required`);
  return v;
}

async function gate(args) {
  const { values } = parseArgs({
    args,
    options: {
      service: { type: "string" },
      stage: { type: "string" },
      commit: { type: "string" },
      artifact: { type: "string" },
      branch: { type: "string" },
      url: { type: "string" },
      token: { type: "string" },
      json: { type: "boolean" },
      "fail-open": { type: "boolean" },
    },
    strict: true,
  });
  const failOpen = values["fail-open"] === true;
  try {
    const ci = ciContext();
    const cfg = config(values);
    const body = {
      service: need(values, "service", process.env.GATEHOUSE_SERVICE),
      stage: need(values, "stage"),
      commit: need(values, "commit", ci.commit),
      ...(values.artifact ? { artifact: values.artifact } : {}),
      ...((values.branch ?? ci.branch) ? { branch: values.branch ?? ci.branch } : {}),
    };
    const { json: d } = await call(cfg, "POST", "/api/v1/gate", {
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    else {
      const verdict = d.decision === "allow" ? paint(32, "ALLOW") : paint(31, "BLOCK");
      const lines = [
        `${verdict}  ${d.service} @ ${d.commit.slice(0, 12)}${d.artifact ? ` (${d.artifact.slice(0, 19)}…)` : ""} → ${d.stage}  (policy v${d.policy.version})`,
      ];
      for (const c of d.checks) {
        if (c.status === "pass") continue;
        lines.push(`  ${mark[c.status]} ${c.title}: ${c.message}`);
        if (c.remediation) lines.push(`       fix: ${c.remediation}`);
      }
      const passed = d.checks.filter((c) => c.status === "pass").length;
      lines.push(
        `  ${passed}/${d.checks.length} checks passed${d.waiversApplied.length ? `, ${d.waiversApplied.length} waiver(s) applied` : ""}`,
      );
      lines.push(`  decision ${d.decisionId}: ${d.url}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return d.decision === "allow" ? 0 : 1;
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    process.stderr.write(`gatehouse gate: ${e.message}\n`);
    // Fail open only when Gatehouse is down, never for a setup mistake (missing token, bad request).
    if (failOpen && e.outage) {
      process.stderr.write("gatehouse gate: --fail-open: letting the build through WITHOUT a gate decision\n");
      return 0;
    }
    return 2;
  }
}

async function scanUpload(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      service: { type: "string" },
      format: { type: "string" },
      scanner: { type: "string" },
      commit: { type: "string" },
      branch: { type: "string" },
      artifact: { type: "string" },
      stage: { type: "string" },
      path: { type: "string" },
      url: { type: "string" },
      token: { type: "string" },
      json: { type: "boolean" },
    },
    strict: true,
  });
  const file = positionals[0];
  if (!file) throw new ClientError("usage: gatehouse scan upload <file> --service <slug>");
  if (!existsSync(file)) throw new ClientError(`no such file: ${file}`);
  const ci = ciContext();
  const cfg = config(values);
  const q = new URLSearchParams({
    service: need(values, "service", process.env.GATEHOUSE_SERVICE),
    commit: need(values, "commit", ci.commit),
  });
  for (const [k, v] of [
    ["branch", values.branch ?? ci.branch],
    ["artifact", values.artifact],
    ["format", values.format],
    ["scanner", values.scanner],
    ["stage", values.stage],
    ["path", values.path ?? repoPath(file)],
    ["pipeline_run", ci.pipelineRun],
  ]) {
    if (v) q.set(k, v);
  }
  const raw = readFileSync(file);
  const big = raw.length > 256 * 1024;
  const { status, json } = await call(cfg, "POST", `/api/v1/scans?${q}`, {
    body: big ? gzipSync(raw) : raw,
    headers: { "content-type": "application/octet-stream", ...(big ? { "content-encoding": "gzip" } : {}) },
  });
  if (values.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else {
    const s = json.statistics;
    const sev = Object.entries(s.bySeverity)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    process.stdout.write(
      `${json.duplicate ? "already uploaded" : "uploaded"} ${path.basename(file)} → ${json.scan.id} (${json.scan.format}, ${json.scan.tool.name}${json.scan.tool.version ? ` ${json.scan.tool.version}` : ""}, ${json.scan.status})\n` +
        `  ${s.findings} findings${sev ? ` (${sev})` : ""}: ${s.created} new, ${s.unchanged} unchanged, ${s.reopened} reopened, ${s.closed} closed\n` +
        (json.warnings ?? []).map((w) => `  warning: ${w}\n`).join(""),
    );
  }
  return status === 201 || status === 200 ? 0 : 2;
}

/** The file's path as the repository knows it: relative to the working directory (the checkout), forward slashes. */
export function repoPath(file) {
  const rel = path.relative(process.cwd(), path.resolve(file));
  const inside = rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
  return (inside ? rel : path.basename(file)).split(path.sep).join("/");
}

async function deploy(args) {
  const { values } = parseArgs({
    args,
    options: {
      service: { type: "string" },
      stage: { type: "string" },
      commit: { type: "string" },
      artifact: { type: "string" },
      decision: { type: "string" },
      url: { type: "string" },
      token: { type: "string" },
      json: { type: "boolean" },
      "fail-on-bypass": { type: "boolean" },
    },
    strict: true,
  });
  const ci = ciContext();
  const cfg = config(values);
  const body = {
    service: need(values, "service", process.env.GATEHOUSE_SERVICE),
    stage: need(values, "stage"),
    commit: need(values, "commit", ci.commit),
    ...(values.artifact ? { artifact: values.artifact } : {}),
    ...(values.decision ? { decisionId: values.decision } : {}),
  };
  const { json } = await call(cfg, "POST", "/api/v1/deployments", {
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (values.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else if (json.bypass) process.stdout.write(`${paint(31, "GATE BYPASS")} recorded ${json.id}: ${json.bypassReason}\n`);
  else process.stdout.write(`recorded deployment ${json.id} of ${json.service} to ${json.stage} (decision ${json.decisionId})\n`);
  return json.bypass && values["fail-on-bypass"] ? 1 : 0;
}

async function operator(argv) {
  const root = path.resolve(import.meta.dirname, "..");
  const entry = path.join(root, "server", "cli", "main.ts");
  if (!existsSync(entry)) {
    process.stderr.write("gatehouse: operator commands run inside a Gatehouse installation (npm run gatehouse -- …)\n");
    return 2;
  }
  process.chdir(root);
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import(entry);
  try {
    return await main(argv[0] === "help-admin" ? ["help"] : argv);
  } catch (e) {
    process.stderr.write(`gatehouse: unexpected error: ${e?.message ?? e}\n`);
    return 2;
  }
}

async function run(argv) {
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd === "--version" || cmd === "version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!PIPELINE.has(cmd)) return operator(argv);
  try {
    if (cmd === "gate") return await gate([sub, ...rest].filter((x) => x !== undefined));
    if (cmd === "scan" && sub === "upload") return await scanUpload(rest);
    if (cmd === "deploy") return await deploy([sub, ...rest].filter((x) => x !== undefined));
    throw new ClientError(`unknown command "${argv.slice(0, 2).join(" ")}"\n\n${HELP}`);
  } catch (e) {
    if (e instanceof ClientError || e?.code?.startsWith?.("ERR_PARSE_ARGS")) {
      process.stderr.write(`gatehouse ${cmd}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`gatehouse: ${e?.message ?? e}\n`);
    process.exit(2);
  },
);
