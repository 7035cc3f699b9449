#!/usr/bin/env node
// gatehouse: the pipeline client (gate, scan upload, deploy) in one file with no dependencies beyond Node 20,
// and, inside a Gatehouse installation, the operator commands (team, service, token, policy, waiver, migrate).
//
// Pipeline exit codes: 0 allow / success, 1 block, 2 error or unreachable server (fail closed; --fail-open to pass).
import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const PIPELINE = new Set(["gate", "scan", "deploy", "verify"]);
const VERSION = "0.1.0";

const HELP = `usage: gatehouse <command> [options]

pipeline commands (need GATEHOUSE_URL and GATEHOUSE_TOKEN, or --url and --token):
  gate --service <slug> --stage <stage> [--commit <sha>] [--artifact sha256:…] [--branch <name>] [--json] [--fail-open]
       [--attestation <vsa.json>]
      Ask whether this build may enter the stage. Exit 0 allow, 1 block, 2 error (fails closed).
      --attestation saves the signed decision (a SLSA verification summary in a DSSE envelope).
  scan upload <file> --service <slug> [--format auto|<id>] [--scanner <name>] [--commit <sha>] [--branch <name>]
                     [--artifact sha256:…] [--stage <stage>] [--category <name>] [--scanner-db-updated-at <time>]
                     [--path <repo path>]
      Post a scanner report as the tool wrote it, or a pipeline definition (.github/workflows/*.yml, .gitlab-ci.yml).
      Commit, branch and run URL come from GitHub Actions or GitLab CI; the file's path is sent as given.
      --category keeps one lifecycle per category (like GitHub code scanning); --scanner-db-updated-at says when the
      scanner's vulnerability database was updated, for reports that do not record it.
  deploy --service <slug> --stage <stage> [--commit <sha>] [--artifact sha256:…] [--decision <id>] [--fail-on-bypass]
      Record what now runs in a stage; a deployment without an allow decision is reported as a gate bypass.

offline command (no server, no token):
  verify <vsa.json> --key <gatehouse.pub|keys.json> (--artifact sha256:… | --commit <sha>) --stage <stage>
         [--max-age-hours <n>] [--service <slug>] [--verifier <url>] [--json]
      Check a saved decision: signature by a trusted key, subject, PASSED, the stage, its age.
      Exit 0 when all hold, 1 when one does not (each is named), 2 on error (unreadable file or key).

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
  return { status: res.status, json, text };
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
      attestation: { type: "string" },
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
    if (values.attestation) await saveAttestation(cfg, d, values.attestation, !values.json);
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

/** Saves the decision's signed envelope exactly as served (written whole, then renamed into place). */
async function saveAttestation(cfg, d, file, say) {
  if (!d.attestationUrl)
    throw new ClientError("this decision has no attestation: give the full commit hash (40 or 64 hex) or --artifact");
  const { text } = await call(cfg, "GET", new URL(d.attestationUrl).pathname);
  const envelope = JSON.parse(text);
  if (typeof envelope.payload !== "string" || !Array.isArray(envelope.signatures))
    throw new ClientError(`${d.attestationUrl} did not answer a DSSE envelope`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  if (say) process.stdout.write(`  attestation saved to ${file}\n`);
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
      category: { type: "string" },
      "scanner-db-updated-at": { type: "string" },
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
    ["category", values.category],
    ["scanner_db_updated_at", values["scanner-db-updated-at"]],
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
        `  ${s.findings} findings${sev ? ` (${sev})` : ""}: ${s.created} new, ${s.merged ?? 0} merged, ${s.unchanged} unchanged, ` +
        `${s.reopened} reopened, ${s.closed} closed${s.retracted ? `, ${s.retracted} retracted (still counted for this commit)` : ""}\n` +
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

// ---------- offline verification of a saved decision (docs/attestations.md) ----------

const IN_TOTO = "application/vnd.in-toto+json";
const STATEMENT_V1 = "https://in-toto.io/Statement/v1";
const VSA_V1 = "https://slsa.dev/verification_summary/v1";
const stageLevel = (stage) => `GATEHOUSE_STAGE_${stage.toUpperCase().replaceAll("-", "_")}`;
const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const fromB64 = (s) => (typeof s === "string" && B64.test(s) ? Buffer.from(s, "base64") : null);

/** DSSE v1 pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
function pae(payloadType, body) {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

const keyIdOf = (key) =>
  createHash("sha256")
    .update(key.export({ type: "spki", format: "der" }))
    .digest("hex");

/** Public keys from PEM (one or more blocks) or from the JSON of GET /api/v1/keys (with validity). */
function readKeys(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ClientError(`cannot read the key file ${file}: ${e.code ?? e.message}`);
  }
  let entries;
  if (text.trimStart().startsWith("{")) {
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new ClientError(`${file} is neither PEM nor the JSON of /api/v1/keys`);
    }
    if (!Array.isArray(doc.keys)) throw new ClientError(`${file}: no "keys" list (expected the JSON of /api/v1/keys)`);
    entries = doc.keys.map((k) => ({ pem: k.publicKeyPem, validFrom: k.validFrom, validUntil: k.validUntil }));
  } else {
    entries = (text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []).map((pem) => ({ pem }));
  }
  const keys = entries.map((e) => {
    let key;
    try {
      key = createPublicKey(e.pem);
    } catch {
      throw new ClientError(`${file} holds a public key that cannot be read`);
    }
    return {
      key,
      keyId: keyIdOf(key),
      validFrom: e.validFrom ? new Date(e.validFrom) : null,
      validUntil: e.validUntil ? new Date(e.validUntil) : null,
    };
  });
  if (!keys.length) throw new ClientError(`no public key in ${file}`);
  return keys;
}

function verifiesWith(k, message, sig) {
  const type = k.key.asymmetricKeyType;
  const algorithm = type === "ed25519" || type === "ed448" ? null : "sha256";
  const encodings = type === "ec" ? ["der", "ieee-p1363"] : [undefined];
  return encodings.some((dsaEncoding) => {
    try {
      return verifySignature(algorithm, message, dsaEncoding ? { key: k.key, dsaEncoding } : k.key, sig);
    } catch {
      return false;
    }
  });
}

async function verifyCommand(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: "string" },
      artifact: { type: "string" },
      commit: { type: "string" },
      stage: { type: "string" },
      service: { type: "string" },
      verifier: { type: "string" },
      "max-age-hours": { type: "string" },
      json: { type: "boolean" },
    },
    strict: true,
  });
  const file = positionals[0];
  if (!file || positionals.length > 1)
    throw new ClientError("usage: gatehouse verify <vsa.json> --key <file> --artifact sha256:… --stage <stage>");
  const keyFile = need(values, "key");
  const stage = need(values, "stage");
  const artifact = values.artifact?.toLowerCase();
  const commit = values.commit?.toLowerCase();
  if (!artifact && !commit) throw new ClientError("--artifact or --commit is required: what is about to be deployed");
  if (artifact && !/^sha256:[0-9a-f]{64}$/.test(artifact)) throw new ClientError("--artifact must be sha256:<64 hex>");
  if (commit && !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) throw new ClientError("--commit must be a full commit hash");
  let maxAgeMs = null;
  if (values["max-age-hours"] !== undefined) {
    const h = Number(values["max-age-hours"]);
    if (!Number.isFinite(h) || h <= 0) throw new ClientError("--max-age-hours must be a positive number");
    maxAgeMs = h * 3_600_000;
  }
  const keys = readKeys(keyFile);
  let envelope;
  try {
    envelope = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ClientError(`cannot read ${file} as JSON: ${e.code ?? e.message}`);
  }
  if (
    !envelope ||
    typeof envelope.payloadType !== "string" ||
    typeof envelope.payload !== "string" ||
    !Array.isArray(envelope.signatures)
  )
    throw new ClientError(`${file} is not a DSSE envelope (payloadType, payload, signatures)`);

  const checks = [];
  const check = (name, ok, detail) => checks.push({ name, ok, detail });
  const finish = () => {
    const failed = checks.filter((c) => !c.ok);
    if (values.json) process.stdout.write(`${JSON.stringify({ verified: failed.length === 0, checks }, null, 2)}\n`);
    else {
      const lines = checks.map((c) => `  ${c.ok ? mark.pass : mark.fail} ${c.name}: ${c.detail}`);
      lines.push(
        failed.length
          ? `${paint(31, "NOT VERIFIED")}: ${failed.map((c) => c.name).join(", ")}`
          : `${paint(32, "VERIFIED")}: ${artifact ?? commit} may enter ${stage}`,
      );
      (failed.length ? process.stderr : process.stdout).write(`${lines.join("\n")}\n`);
    }
    return failed.length ? 1 : 0;
  };

  // 1. A signature by a trusted key over PAE(payloadType, payload). keyid only orders the keys to try.
  const body = fromB64(envelope.payload);
  let signer = null;
  if (body) {
    const message = pae(envelope.payloadType, body);
    for (const s of envelope.signatures) {
      const sig = fromB64(s?.sig);
      if (!sig) continue;
      const ordered = [...keys].sort((a, b) => Number(b.keyId === s.keyid) - Number(a.keyId === s.keyid));
      signer = ordered.find((k) => verifiesWith(k, message, sig)) ?? null;
      if (signer) break;
    }
  }
  if (!signer) {
    check("signature", false, `no signature verifies with the ${keys.length} key(s) in ${keyFile}`);
    return finish();
  }
  check("signature", true, `key ${signer.keyId.slice(0, 16)}…`);

  // 2. Only now is the payload trusted enough to read.
  let st = null;
  if (envelope.payloadType !== IN_TOTO) check("payload type", false, `${envelope.payloadType}, not ${IN_TOTO}`);
  else {
    try {
      st = JSON.parse(body.toString("utf8"));
    } catch {
      check("statement", false, "the signed payload is not JSON");
    }
  }
  if (!st) return finish();
  const p = st.predicate ?? {};
  check("statement", st._type === STATEMENT_V1 && st.predicateType === VSA_V1, `${st._type} / ${st.predicateType}`);
  const verifiedAt = new Date(p.timeVerified);
  const known = !Number.isNaN(verifiedAt.getTime());
  if (signer.validFrom || signer.validUntil) {
    const inside =
      known && (!signer.validFrom || verifiedAt >= signer.validFrom) && (!signer.validUntil || verifiedAt <= signer.validUntil);
    check(
      "key validity",
      inside,
      `signed ${p.timeVerified}; key valid ${signer.validFrom?.toISOString() ?? "…"} – ${signer.validUntil?.toISOString() ?? "now"}`,
    );
  }
  const subjects = Array.isArray(st.subject) ? st.subject : [];
  if (artifact) {
    const hex = artifact.slice("sha256:".length);
    const s = subjects.find((x) => String(x?.digest?.sha256 ?? "").toLowerCase() === hex);
    check("subject", !!s, s ? `artifact ${artifact}` : `the attestation is for ${describeSubjects(subjects)}, not ${artifact}`);
    if (commit) {
      const c = String(s?.annotations?.commit ?? "").toLowerCase();
      check("commit", c === commit, c ? `built from ${c}` : "the attestation names no commit");
    }
  } else {
    const s = subjects.find((x) => String(x?.digest?.gitCommit ?? "").toLowerCase() === commit);
    check("subject", !!s, s ? `commit ${commit}` : `the attestation is for ${describeSubjects(subjects)}, not commit ${commit}`);
  }
  const decision = subjects[0]?.annotations?.decisionId;
  check(
    "result",
    p.verificationResult === "PASSED",
    p.verificationResult === "PASSED"
      ? "PASSED"
      : `${p.verificationResult ?? "missing"}: the gate did not allow it${decision ? ` (decision ${decision})` : ""}`,
  );
  const levels = Array.isArray(p.verifiedLevels) ? p.verifiedLevels : [];
  const level = stageLevel(stage);
  check("stage", levels.includes(level), levels.includes(level) ? level : `${level} not in [${levels.join(", ")}]`);
  const ageMs = Date.now() - verifiedAt.getTime();
  if (!known) check("age", false, `timeVerified is not a time: ${p.timeVerified}`);
  else if (ageMs < -5 * 60_000) check("age", false, `verified in the future (${p.timeVerified}): check the clocks`);
  else if (maxAgeMs !== null)
    check(
      "age",
      ageMs <= maxAgeMs,
      `verified ${(Math.max(0, ageMs) / 3_600_000).toFixed(1)} h ago (at most ${values["max-age-hours"]} h)`,
    );
  const verifierId = String(p.verifier?.id ?? "");
  if (values.verifier) {
    const want = values.verifier.replace(/\/+$/, "");
    check("verifier", verifierId === want, verifierId || "missing");
  }
  if (values.service) {
    const want = `${verifierId}/services/${values.service}`;
    check(
      "service",
      p.resourceUri === want,
      p.resourceUri === want ? values.service : `resourceUri ${p.resourceUri}, not ${want}`,
    );
  }
  return finish();
}

function describeSubjects(subjects) {
  const d = subjects.map((s) =>
    s?.digest?.sha256 ? `sha256:${s.digest.sha256}` : s?.digest?.gitCommit ? `commit ${s.digest.gitCommit}` : "?",
  );
  return d.length ? d.join(", ") : "no subject";
}

async function operator(argv) {
  const root = path.resolve(import.meta.dirname, "..");
  const entry = path.join(root, "server", "cli", "main.ts");
  if (!existsSync(entry)) {
    process.stderr.write("gatehouse: operator commands run inside a Gatehouse installation (npm run gatehouse -- …)\n");
    return 2;
  }
  // Paths on the command line are the caller's (npm run sets INIT_CWD to where it was typed).
  process.env.GATEHOUSE_CALLER_CWD ??= process.env.INIT_CWD ?? process.cwd();
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
    if (cmd === "verify") return await verifyCommand([sub, ...rest].filter((x) => x !== undefined));
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
