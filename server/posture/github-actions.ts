// Checks of a GitHub Actions workflow or action definition (action.yml). Pure: reads the parsed YAML, runs nothing.
import type { Severity } from "../ingest/types";
import { envRefs, expressionsIn, inputRefs, lowTrustIn, outputRefs, secretRefs, untrustedIn } from "./expressions";
import { checkGateWiring, deployMarkers, environmentStage, type WiringEvent, type WiringJob } from "./gate-wiring";
import { POSTURE_RULES, type PostureFinding, type PostureRuleId } from "./rules";
import {
  deployCommand,
  gateFailOpenIn,
  gatehouseCalls,
  isDeployAction,
  isScannerAction,
  remoteScriptExec,
  scannerCommand,
  scriptLines,
  swallowsFailure,
} from "./shell";

type Obj = Record<string, unknown>;
type Path = (string | number)[];
export type YamlSource = { value: Obj; text: string; lineOf: (path: readonly (string | number)[]) => number | undefined };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const isTrue = (v: unknown) => v === true || (typeof v === "string" && /^\s*(true|\$\{\{\s*true\s*\}\})\s*$/i.test(v));

export type GithubKind = "workflow" | "composite-action" | "action";

/** A workflow (`on` + `jobs`) or an action definition (`runs`). */
export function githubKindOf(v: Obj): GithubKind | undefined {
  if (isObj(v.jobs) && ("on" in v || "true" in v)) return "workflow";
  if (isObj(v.runs) && typeof v.runs.using === "string") {
    return v.runs.using.toLowerCase() === "composite" ? "composite-action" : "action";
  }
  return undefined;
}

/** Events that run with the base repository's secrets and a write token while reading an outsider's data. */
const PRIVILEGED = new Set([
  "pull_request_target",
  "workflow_run",
  "issue_comment",
  "issues",
  "discussion",
  "discussion_comment",
  "pull_request_review",
  "pull_request_review_comment",
]);
const PR_EVENTS = new Set(["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"]);
const CHECKOUT_PRIVILEGED = new Set(["pull_request_target", "workflow_run", "issue_comment"]);

function triggersOf(on: unknown): Set<string> {
  if (typeof on === "string") return new Set([on]);
  if (Array.isArray(on)) return new Set(on.filter((x): x is string => typeof x === "string"));
  if (isObj(on)) return new Set(Object.keys(on));
  return new Set();
}

const SHA = /^[0-9a-f]{40}$/i;
const FIRST_PARTY = /^(actions|github)\//i;

type Step = {
  index: number;
  raw: Obj;
  id: string;
  name?: string;
  uses?: string;
  run?: string;
  line?: number;
};

/**
 * A step's identity for fingerprints: its name, else what it uses, else the command its script starts with; a number
 * only tells apart steps that share one of those, so inserting an unrelated step renumbers nothing.
 */
function stepIdentities(steps: Obj[]): string[] {
  const count = new Map<string, number>();
  return steps.map((s) => {
    const name = str(s.name)?.trim();
    let base: string;
    if (name) base = `name:${name}`;
    else if (str(s.uses)) base = `uses:${str(s.uses)!.split("@")[0]!.toLowerCase()}`;
    else base = `run:${(scriptLines(str(s.run) ?? "")[0] ?? "").split(/\s+/)[0]!.replace(/^.*\//, "").slice(0, 40)}`;
    const n = count.get(base) ?? 0;
    count.set(base, n + 1);
    return n === 0 ? base : `${base}#${n + 1}`;
  });
}

function envOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, val] of Object.entries(v)) out[k] = str(val) ?? (typeof val === "boolean" ? String(val) : "");
  return out;
}

export function analyzeGithub(src: YamlSource): { kind: GithubKind; findings: PostureFinding[] } {
  const v = src.value;
  const kind = githubKindOf(v)!;
  const out: PostureFinding[] = [];
  const push = (rule: PostureRuleId, f: Omit<PostureFinding, "rule" | "severity"> & { severity?: Severity }) =>
    out.push({ rule, severity: f.severity ?? POSTURE_RULES[rule].severity, ...f });
  const triggers = kind === "workflow" ? triggersOf(v.on ?? v.true) : new Set<string>();
  const privileged = [...triggers].some((t) => PRIVILEGED.has(t));
  const untrustedTriggers = privileged || [...triggers].some((t) => PR_EVENTS.has(t));
  const workflowEnv = envOf(v.env);
  /** the current job's `if:` when it admits only named accounts or trusted associations */
  let restriction: string | undefined;

  if (kind === "workflow") {
    const jobs = isObj(v.jobs) ? (v.jobs as Record<string, unknown>) : {};
    const top = v.permissions;
    if (top === "write-all")
      push("permissions-write-all", {
        evidence: "permissions: write-all",
        line: src.lineOf(["permissions"]),
        message: "The workflow grants its token every write permission (`permissions: write-all`).",
      });
    else if (top === undefined) {
      const callOnly = triggers.size > 0 && [...triggers].every((t) => t === "workflow_call");
      const inheriting = Object.entries(jobs).filter(([, j]) => isObj(j) && j.permissions === undefined && !str(j.uses));
      if (!callOnly && inheriting.length > 0)
        push("permissions-default", {
          evidence: "permissions: (none)",
          line: 1,
          message: `The workflow sets no top-level \`permissions\`; ${inheriting.length === 1 ? `job ${inheriting[0]![0]} runs` : `${inheriting.length} jobs run`} with the repository's default token scopes.`,
        });
    } else if (isObj(top)) {
      const writes = Object.entries(top)
        .filter(([, val]) => val === "write")
        .map(([k]) => k);
      const inheriting = Object.entries(jobs).filter(([, j]) => isObj(j) && j.permissions === undefined);
      if (writes.length > 0 && inheriting.length > 0)
        push("permissions-broad", {
          severity: inheriting.length > 1 ? "medium" : "low",
          evidence: `permissions: ${writes.sort().join(",")}: write`,
          line: src.lineOf(["permissions"]),
          message: `The workflow grants ${writes.join(", ")}: write to every job that sets no permissions of its own (${inheriting.map(([k]) => k).join(", ")}).`,
        });
    }

    const wiring: WiringJob[] = [];
    const jobIds = Object.keys(jobs);
    const needsOf = (id: string): string[] => {
      const j = jobs[id];
      if (!isObj(j)) return [];
      const n = j.needs;
      return typeof n === "string" ? [n] : Array.isArray(n) ? n.filter((x): x is string => typeof x === "string") : [];
    };
    const closure = (id: string): Set<string> => {
      const seen = new Set<string>();
      const stack = [...needsOf(id)];
      while (stack.length) {
        const n = stack.pop()!;
        if (seen.has(n) || !(n in jobs)) continue;
        seen.add(n);
        stack.push(...needsOf(n));
      }
      return seen;
    };
    const markers = deployMarkers(src.text);
    const anchors: { line: number; job: string; step?: number }[] = [];
    for (const id of jobIds) {
      const line = src.lineOf(["jobs", id]);
      if (line) anchors.push({ line, job: id });
      const steps = isObj(jobs[id]) && Array.isArray((jobs[id] as Obj).steps) ? ((jobs[id] as Obj).steps as unknown[]) : [];
      steps.forEach((_, i) => {
        const l = src.lineOf(["jobs", id, "steps", i]);
        if (l) anchors.push({ line: l, job: id, step: i });
      });
    }
    anchors.sort((a, b) => a.line - b.line);
    const markerFor = new Map<string, string>();
    for (const m of markers) {
      const a = anchors.find((x) => x.line >= m.line);
      if (a) markerFor.set(a.step === undefined ? a.job : `${a.job}#${a.step}`, m.stage);
    }

    for (const id of jobIds) {
      const job = jobs[id];
      if (!isObj(job)) continue;
      const jobLine = src.lineOf(["jobs", id]);
      const jobEnv = { ...workflowEnv, ...envOf(job.env) };
      const cond = str(job.if) ?? "";
      restriction = /\b(github\.(actor|triggering_actor)|\.user\.login)\s*==\s*['"][^'"]+['"]|author_association/.test(cond)
        ? cond.replace(/\s+/g, " ").trim().slice(0, 120)
        : undefined;
      if (job.permissions === "write-all")
        push("permissions-write-all", {
          job: id,
          evidence: "permissions: write-all",
          line: src.lineOf(["jobs", id, "permissions"]) ?? jobLine,
          message: `Job ${id} grants its token every write permission (\`permissions: write-all\`).`,
        });
      const reusable = str(job.uses);
      if (reusable) checkUses(reusable, ["jobs", id, "uses"], id, undefined, isObj(job.secrets) || job.secrets === "inherit");
      checkRunner(job, id, jobLine);
      checkImages(job, id);

      const rawSteps = Array.isArray(job.steps) ? job.steps.filter(isObj) : [];
      const ids = stepIdentities(rawSteps);
      const steps: Step[] = rawSteps.map((s, i) => ({
        index: i,
        raw: s,
        id: ids[i]!,
        name: str(s.name),
        uses: str(s.uses),
        run: str(s.run),
        line: src.lineOf(["jobs", id, "steps", i]),
      }));
      const jobSecrets = secretsUsedIn(job);
      const events: WiringEvent[] = [];
      const env = environmentOf(job.environment);
      const envStage = environmentStage(env);
      const jobMarker = markerFor.get(id);
      if (envStage || jobMarker)
        events.push({
          kind: "deploy",
          stage: jobMarker ?? envStage,
          position: -1,
          jobLevel: true,
          evidence: jobMarker ? `# gatehouse: deploy ${jobMarker}` : `environment: ${env}`,
          line: jobLine,
        });
      let checkoutOfHead: Step | undefined;
      for (const step of steps) {
        const stepEnv = { ...jobEnv, ...envOf(step.raw.env) };
        const path: Path = ["jobs", id, "steps", step.index];
        analyzeStep(step, path, id, stepEnv, jobSecrets, events, markerFor.get(`${id}#${step.index}`));
        if (checkoutOfHead === undefined && isHeadCheckout(step, triggers.has("workflow_run"))) checkoutOfHead = step;
      }
      if (checkoutOfHead && [...triggers].some((t) => CHECKOUT_PRIVILEGED.has(t))) {
        const runsAfter = steps.some((s) => s.index > checkoutOfHead!.index && (s.run || (s.uses && !FIRST_PARTY.test(s.uses))));
        push("untrusted-checkout", {
          severity: runsAfter ? "critical" : "high",
          job: id,
          step: checkoutOfHead.id,
          evidence: headCheckoutEvidence(checkoutOfHead),
          line: checkoutOfHead.line,
          message: `Job ${id} runs on ${[...triggers].filter((t) => CHECKOUT_PRIVILEGED.has(t)).join("/")} and checks out the pull request's code (${headCheckoutEvidence(checkoutOfHead)})${runsAfter ? ", then runs steps on it" : ""}: the outsider's code runs with the base repository's token and secrets.`,
        });
      }
      const jobIf = str(job.if) ?? "";
      const always = /\b(always|failure|cancelled)\(\)/.exec(jobIf);
      wiring.push({
        id,
        line: jobLine,
        events,
        predecessors: closure(id),
        failOpen: isTrue(job["continue-on-error"]) ? "continue-on-error: true" : undefined,
        runsAlways: always ? `if: ${jobIf.trim()}` : undefined,
      });
    }
    out.push(...checkGateWiring(wiring, (j) => `job ${j}`));
  } else {
    // Action definitions: composite steps, or a container image.
    restriction = undefined;
    const runs = v.runs as Obj;
    if (kind === "action") {
      const image = str(runs.image);
      if (image && /^docker:\/\//i.test(image)) checkImage(image.replace(/^docker:\/\//i, ""), ["runs", "image"], undefined);
    }
    const rawSteps = Array.isArray(runs.steps) ? runs.steps.filter(isObj) : [];
    const ids = stepIdentities(rawSteps);
    const events: WiringEvent[] = [];
    const markers = deployMarkers(src.text);
    rawSteps.forEach((s, i) => {
      const line = src.lineOf(["runs", "steps", i]);
      const marker = markers.find((m) => m.line <= (line ?? 0) && m.line >= (line ?? 0) - 2)?.stage;
      analyzeStep(
        { index: i, raw: s, id: ids[i]!, name: str(s.name), uses: str(s.uses), run: str(s.run), line },
        ["runs", "steps", i],
        undefined,
        envOf(s.env),
        new Set(),
        events,
        marker,
      );
    });
    out.push(
      ...checkGateWiring([{ id: "action", events, predecessors: new Set() }], () => "the action").map((f) => ({
        ...f,
        job: undefined,
      })),
    );
  }
  return { kind, findings: out };

  // ---- helpers with access to `out`, `src`, the triggers ----

  function checkUses(uses: string, path: Path, job: string | undefined, step: Step | undefined, withSecrets: boolean | string[]) {
    const u = uses.trim();
    if (u.startsWith("./") || u.startsWith(".\\")) return;
    if (/^docker:\/\//i.test(u)) {
      checkImage(u.replace(/^docker:\/\//i, ""), path, job, step);
      return;
    }
    const at = u.lastIndexOf("@");
    const ref = at > 0 ? u.slice(at + 1) : "";
    const name = at > 0 ? u.slice(0, at) : u;
    const firstParty = FIRST_PARTY.test(name);
    const secrets = Array.isArray(withSecrets) ? withSecrets : withSecrets ? ["(inherited)"] : [];
    if (SHA.test(ref)) return;
    const where = job ? `job ${job}${step ? `, step ${step.id}` : ""}` : `step ${step?.id ?? ""}`;
    push("action-unpinned", {
      severity: firstParty ? "low" : "medium",
      job,
      step: step?.id,
      evidence: u,
      line: src.lineOf(path),
      message: `${firstParty ? "First-party (GitHub-owned)" : "Third-party"} ${path.includes("steps") ? "action" : "reusable workflow"} ${u} in ${where} is not pinned to a commit SHA${ref ? ` (ref ${ref} can move)` : ""}.`,
    });
    if (!firstParty && secrets.length > 0) {
      const real = secrets.filter((s) => s !== "GITHUB_TOKEN");
      push("secret-unpinned-action", {
        severity: real.length > 0 ? "high" : "medium",
        job,
        step: step?.id,
        evidence: `${name} ${[...new Set(secrets)].sort().join(",")}`,
        line: src.lineOf(path),
        message: `${where} gives ${[...new Set(secrets)].join(", ")} to ${u}, which is not pinned: whoever can move ${ref || "its default branch"} gets the secret.`,
      });
    }
  }

  function checkImage(image: string, path: Path, job: string | undefined, step?: Step) {
    const img = image.trim();
    if (img === "" || /\$\{\{/.test(img) || /@sha256:[0-9a-f]{64}$/i.test(img)) return;
    const lastSegment = img.split("/").pop()!;
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop()! : "";
    const mutable = tag === "" || /^(latest|master|main|edge|nightly|testing|unstable|rolling|dev|develop)$/i.test(tag);
    push("image-unpinned", {
      severity: mutable ? "medium" : "low",
      job,
      step: step?.id,
      evidence: img,
      line: src.lineOf(path),
      message: `Image ${img}${job ? ` in job ${job}` : ""}${step ? `, step ${step.id}` : ""} is not pinned by digest${mutable ? ` (${tag || "no tag"}: it changes under you)` : ""}.`,
    });
  }

  function checkRunner(job: Obj, id: string, line: number | undefined) {
    const runsOn = job["runs-on"];
    const labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).flatMap((l) =>
      isObj(l) ? [...(Array.isArray(l.labels) ? l.labels : [l.labels]), l.group ? "group" : undefined] : [l],
    );
    const selfHosted = labels.some((l) => typeof l === "string" && l.trim().toLowerCase() === "self-hosted");
    const prTriggers = [...triggers].filter((t) => PR_EVENTS.has(t) || t === "issue_comment");
    if (selfHosted && prTriggers.length > 0)
      push("self-hosted-pr", {
        job: id,
        evidence: `runs-on: self-hosted (${prTriggers.sort().join(",")})`,
        line: src.lineOf(["jobs", id, "runs-on"]) ?? line,
        message: `Job ${id} runs on a self-hosted runner and is triggered by ${prTriggers.join(", ")}: a fork's code can persist on the runner.`,
      });
  }

  function checkImages(job: Obj, id: string) {
    const container = job.container;
    const c = typeof container === "string" ? container : isObj(container) ? str(container.image) : undefined;
    if (c) checkImage(c, ["jobs", id, "container"], id);
    if (isObj(job.services))
      for (const [name, svc] of Object.entries(job.services)) {
        const img = typeof svc === "string" ? svc : isObj(svc) ? str(svc.image) : undefined;
        if (img) checkImage(img, ["jobs", id, "services", name], id);
      }
  }

  function analyzeStep(
    step: Step,
    path: Path,
    job: string | undefined,
    env: Record<string, string>,
    jobSecrets: Set<string>,
    events: WiringEvent[],
    marker: string | undefined,
  ) {
    const where = job ? `job ${job}, step ${step.id}` : `step ${step.id}`;
    const withObj = isObj(step.raw.with) ? step.raw.with : {};
    const stepEnvOnly = envOf(step.raw.env);
    const failOpen = isTrue(step.raw["continue-on-error"]) ? "continue-on-error: true" : undefined;
    const stepIf = str(step.raw.if) ?? "";
    const always = /\b(always|failure|cancelled)\(\)/.test(stepIf) ? `if: ${stepIf.trim()}` : undefined;
    const base = step.index * 1000;

    if (step.uses) {
      const given = [...Object.values(withObj), ...Object.values(stepEnvOnly)].flatMap((x) =>
        expressionsIn(str(x) ?? "").flatMap((e) => secretRefs(e.expr)),
      );
      checkUses(step.uses, [...path, "uses"], job, step, given);
      const name = step.uses.split("@")[0]!.toLowerCase();
      // The Gatehouse composite action (integrations/github/action.yml), wherever its repository lives.
      const gatehouseAction = /gatehouse/.test(name) || /(^|\/)integrations\/github$/.test(name);
      if (gatehouseAction && ["gate", "deploy"].includes(String(withObj.command ?? "").toLowerCase())) {
        const command = String(withObj.command).toLowerCase();
        events.push({
          kind: command === "gate" ? "gate" : "record",
          stage: str(withObj.stage),
          position: base,
          step: step.id,
          evidence: `${step.uses.split("@")[0]} command: ${command}`,
          line: step.line,
          failOpen: command === "gate" ? (failOpen ?? (isTrue(withObj["fail-open"]) ? "--fail-open" : undefined)) : undefined,
        });
      }
      if (isDeployAction(step.uses) || marker)
        events.push({
          kind: "deploy",
          stage: marker ?? environmentStage(str(withObj.environment) ?? str(withObj["slot-name"])),
          position: base + 500,
          step: step.id,
          evidence: marker ? `# gatehouse: deploy ${marker}` : step.uses.split("@")[0]!,
          line: step.line,
          runsAlways: always,
        });
      if (isScannerAction(step.uses) && failOpen)
        push("scanner-fail-open", {
          job,
          step: step.id,
          evidence: `${step.uses.split("@")[0]} ${failOpen}`,
          line: step.line,
          message: `The security scanner ${step.uses.split("@")[0]} in ${where} may fail without failing the job (${failOpen}).`,
        });
      if (/^actions\/github-script@/i.test(step.uses) && typeof withObj.script === "string")
        checkInjection(withObj.script, [...path, "with", "script"], job, step, env, jobSecrets, "script");
      return;
    }
    if (step.run === undefined) return;
    const run = step.run;
    checkInjection(run, [...path, "run"], job, step, env, jobSecrets, "run");
    const lines = scriptLines(run);
    // Secrets expanded into the script text itself.
    const inline = expressionsIn(run).flatMap((e) => secretRefs(e.expr).filter((s) => s !== "GITHUB_TOKEN"));
    if (inline.length > 0)
      push("secret-exposed", {
        job,
        step: step.id,
        evidence: `run: \${{ secrets.${[...new Set(inline)].sort().join(",")} }}`,
        line: src.lineOf([...path, "run"]),
        message: `${where} expands ${[...new Set(inline)].map((s) => `secrets.${s}`).join(", ")} into the script text: it lands in the script file on the runner and escapes log masking once transformed; pass it through \`env:\`.`,
      });
    else {
      const secretVars = Object.entries(env)
        .filter(([, val]) => expressionsIn(val).some((e) => secretRefs(e.expr).some((s) => s !== "GITHUB_TOKEN")))
        .map(([k]) => k);
      for (const l of lines) {
        const printed = secretVars.find(
          (k) =>
            new RegExp(`\\b(echo|printf)\\b[^|>]*\\$\\{?${k}\\b(?![^|]*\\|)`).test(l) &&
            !/[|>]/.test(l.slice(l.search(/\b(echo|printf)\b/))),
        );
        if (printed) {
          push("secret-exposed", {
            job,
            step: step.id,
            evidence: `echo $${printed}`,
            line: src.lineOf([...path, "run"]),
            message: `${where} prints the secret in $${printed} to the job log.`,
          });
          break;
        }
      }
    }
    lines.forEach((l, i) => {
      const remote = remoteScriptExec(l);
      if (remote)
        push("remote-script-exec", {
          job,
          step: step.id,
          evidence: remote,
          line: src.lineOf([...path, "run"]),
          message: `${where} downloads a script and runs it unverified (${remote.slice(0, 100)}).`,
        });
      const tool = deployCommand(l);
      if (tool)
        events.push({
          kind: "deploy",
          stage: marker,
          position: base + i,
          step: step.id,
          evidence: tool,
          line: src.lineOf([...path, "run"]),
          runsAlways: always,
        });
      const scanner = scannerCommand(l);
      if (scanner) {
        const why = failOpen ?? swallowsFailure(l, l.search(/\S/));
        if (why)
          push("scanner-fail-open", {
            job,
            step: step.id,
            evidence: `${scanner} ${why}`,
            line: src.lineOf([...path, "run"]),
            message: `The security scanner ${scanner} in ${where} may fail without failing the job (${why}).`,
          });
      }
    });
    if (marker && !lines.some((l) => deployCommand(l)))
      events.push({
        kind: "deploy",
        stage: marker,
        position: base + 500,
        step: step.id,
        evidence: `# gatehouse: deploy ${marker}`,
        line: step.line,
        runsAlways: always,
      });
    for (const call of gatehouseCalls(lines)) {
      const stage = call.stage && /\$\{\{/.test(call.stage) ? undefined : call.stage;
      events.push({
        kind: call.command === "gate" ? "gate" : "record",
        stage: stage?.startsWith("$") ? undefined : stage,
        position: base + call.index,
        step: step.id,
        evidence: `gatehouse ${call.command}`,
        line: src.lineOf([...path, "run"]),
        failOpen: call.command === "gate" ? (failOpen ?? gateFailOpenIn(lines, call)) : undefined,
      });
    }
  }

  function checkInjection(
    text: string,
    path: Path,
    job: string | undefined,
    step: Step,
    env: Record<string, string>,
    jobSecrets: Set<string>,
    sink: "run" | "script",
  ) {
    const where = job ? `job ${job}, step ${step.id}` : `step ${step.id}`;
    const tainted = new Map<string, string[]>();
    for (const [k, val] of Object.entries(env)) {
      const refs = expressionsIn(val).flatMap((e) => untrustedIn(e.expr));
      if (refs.length) tainted.set(k, refs);
    }
    const reported = new Set<string>();
    for (const e of expressionsIn(text)) {
      let sources = untrustedIn(e.expr);
      for (const name of envRefs(e.expr)) sources = [...sources, ...(tainted.get(name) ?? []).map((s) => `env.${name} ← ${s}`)];
      let severity: Severity;
      if (sources.length > 0) {
        const secrets = jobSecrets.size > 0 || secretRefs(text).some((s) => s !== "GITHUB_TOKEN");
        severity = kind !== "workflow" || privileged || secrets ? "high" : "medium";
      } else {
        const low = [
          ...lowTrustIn(e.expr),
          ...(kind === "composite-action" ? inputRefs(e.expr) : []),
          ...(untrustedTriggers && kind === "workflow" ? outputRefs(e.expr) : []),
        ];
        if (low.length === 0) continue;
        sources = low;
        severity = "low";
      }
      if (restriction && severity !== "low") severity = severity === "high" ? "medium" : "low";
      const key = `${sources.join(",")}`;
      if (reported.has(key)) continue;
      reported.add(key);
      push("script-injection", {
        severity,
        job,
        step: step.id,
        evidence: e.raw.replace(/\s+/g, " "),
        line: src.lineOf(path),
        message: `${where} expands ${sources.join(", ")} into its ${sink === "run" ? "shell script" : "github-script code"}${severity === "low" ? " (not directly attacker-controlled, but a pattern to avoid)" : ""}: a crafted value runs as code${kind === "workflow" && severity !== "low" ? ` (triggers: ${[...triggers].sort().join(", ")})` : ""}${restriction ? `; the job only runs when ${restriction}` : ""}.`,
      });
    }
  }
}

function environmentOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isObj(v)) return str(v.name);
  return undefined;
}

/** Secret names a job can read (job env, step env and with, run text), GITHUB_TOKEN excluded. */
function secretsUsedIn(job: Obj): Set<string> {
  const text = JSON.stringify({ env: job.env, steps: job.steps });
  return new Set(
    expressionsIn(text)
      .flatMap((e) => secretRefs(e.expr))
      .filter((s) => s !== "GITHUB_TOKEN"),
  );
}

const HEAD_REF =
  /github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|refs\/pull\/|github\.event\.(number|pull_request\.number|issue\.number)|github\.event\.workflow_run\.head_(sha|branch)|github\.event\.pull_request\.merge_commit_sha/;
const HEAD_REPO = /github\.event\.pull_request\.head\.repo\.full_name|github\.event\.workflow_run\.head_repository\.full_name/;
/** Under workflow_run, a ref or repository computed in the run (from an artifact the PR wrote) is the PR's. */
const COMPUTED = /\b(steps|needs)\.[\w-]+\.outputs\./;

function isHeadCheckout(step: Step, workflowRun: boolean): boolean {
  const w = isObj(step.raw.with) ? step.raw.with : {};
  if (step.uses && /^actions\/checkout@/i.test(step.uses)) {
    const ref = str(w.ref) ?? "";
    const repo = str(w.repository) ?? "";
    return HEAD_REF.test(ref) || HEAD_REPO.test(repo) || (workflowRun && (COMPUTED.test(ref) || COMPUTED.test(repo)));
  }
  if (step.run) return /\bgh\s+pr\s+checkout\b|\bgit\s+fetch\b[^\n]*\bpull\/[^\s]*\/(head|merge)/.test(step.run);
  return false;
}

function headCheckoutEvidence(step: Step): string {
  const w = isObj(step.raw.with) ? step.raw.with : {};
  if (step.uses)
    return [str(w.repository) ? `repository: ${str(w.repository)}` : "", str(w.ref) ? `ref: ${str(w.ref)}` : ""]
      .filter(Boolean)
      .join(", ");
  return (
    /\bgh\s+pr\s+checkout\b[^\n]*/.exec(step.run ?? "")?.[0] ?? /\bgit\s+fetch\b[^\n]*/.exec(step.run ?? "")?.[0] ?? "checkout"
  );
}
