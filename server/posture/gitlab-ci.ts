// Checks of a .gitlab-ci.yml. Pure: reads the parsed YAML (extends resolved here), runs nothing; includes are not fetched.
import type { Severity } from "../ingest/types";
import { checkGateWiring, deployMarkers, normalizeStage, type WiringEvent, type WiringJob } from "./gate-wiring";
import type { YamlSource } from "./github-actions";
import { POSTURE_RULES, type PostureFinding, type PostureRuleId } from "./rules";
import {
  deployCommand,
  gateFailOpenIn,
  gatehouseCalls,
  remoteScriptExec,
  scannerCommand,
  scriptLines,
  swallowsFailure,
} from "./shell";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

/** Top-level keys that are not jobs. */
const RESERVED = new Set([
  "default",
  "include",
  "stages",
  "variables",
  "workflow",
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
  "spec",
  "types",
]);
const JOB_KEYS = ["script", "trigger", "extends", "stage", "image", "run"];

/** A .gitlab-ci.yml: `stages`/`include`/`workflow`, or at least one job with a script or trigger. */
export function isGitlabCi(v: Obj): boolean {
  if ("jobs" in v && "on" in v) return false;
  if (isObj(v.runs)) return false;
  const jobs = Object.entries(v).filter(([k, j]) => !RESERVED.has(k) && isObj(j));
  const hasJob = jobs.some(
    ([, j]) =>
      JOB_KEYS.some((k) => k in (j as Obj)) && ("script" in (j as Obj) || "trigger" in (j as Obj) || "extends" in (j as Obj)),
  );
  return (
    hasJob ||
    (Array.isArray(v.stages) && (jobs.length > 0 || "include" in v)) ||
    (("include" in v || isObj(v.workflow)) && jobs.length > 0)
  );
}

const DEFAULT_STAGES = ["build", "test", "deploy"];

/** Deep merge as GitLab's `extends` does: hashes merge, everything else is replaced. */
function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? merge(out[k] as Obj, v) : v;
  return out;
}

const SECRET_NAME =
  /^(?!.*_(FILE|PATH|URL|NAME|ID|USER|USERNAME|EMAIL|HOST|PORT|DIR|TYPE|ENABLED|REGION)$)[A-Z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)[A-Z0-9_]*$/;

/** Predefined variables whose text comes from whoever pushes a commit or opens a merge request. */
const UNTRUSTED_VARS =
  /\$\{?(CI_COMMIT_MESSAGE|CI_COMMIT_TITLE|CI_COMMIT_DESCRIPTION|CI_COMMIT_TAG_MESSAGE|CI_COMMIT_AUTHOR|CI_COMMIT_REF_NAME|CI_COMMIT_BRANCH|CI_MERGE_REQUEST_TITLE|CI_MERGE_REQUEST_DESCRIPTION|CI_MERGE_REQUEST_SOURCE_BRANCH_NAME|CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME)\b/;
/** Places where the shell parses a variable's value as code again. */
const EVAL_SINK = /\b(eval|(ba|z|da)?sh\s+-c|python[23]?\s+-c|node\s+-e|perl\s+-e|ruby\s+-e|source\s+<\()/;

/** Security templates whose jobs GitLab runs with allow_failure: true unless the pipeline overrides it. */
const SECURITY_TEMPLATES: [RegExp, string[]][] = [
  [
    /(^|\/)SAST(-IaC)?(\.latest)?\.gitlab-ci\.yml$/i,
    ["sast", ".sast-analyzer", "semgrep-sast", "gitlab-advanced-sast", "kics-iac-sast", "nodejs-scan-sast", "spotbugs-sast"],
  ],
  [
    /(^|\/)Dependency-Scanning(\.latest|\.v2)?\.gitlab-ci\.yml$/i,
    [
      "dependency_scanning",
      ".ds-analyzer",
      "gemnasium-dependency_scanning",
      "gemnasium-maven-dependency_scanning",
      "gemnasium-python-dependency_scanning",
      "dependency-scanning",
    ],
  ],
  [/(^|\/)Secret-Detection(\.latest)?\.gitlab-ci\.yml$/i, ["secret_detection", ".secret-analyzer"]],
  [/(^|\/)Container-Scanning(\.latest)?\.gitlab-ci\.yml$/i, ["container_scanning", ".cs_common"]],
  [/(^|\/)DAST(\.latest)?\.gitlab-ci\.yml$/i, ["dast"]],
];

const SHA = /^[0-9a-f]{40}$/i;
const VERSION = /^v?\d+(\.\d+){0,3}([-+][\w.]+)?$/;

export function analyzeGitlab(src: YamlSource): PostureFinding[] {
  const v = src.value;
  const out: PostureFinding[] = [];
  const push = (rule: PostureRuleId, f: Omit<PostureFinding, "rule" | "severity"> & { severity?: Severity }) =>
    out.push({ rule, severity: f.severity ?? POSTURE_RULES[rule].severity, ...f });
  const globalVars: Record<string, string> = {};
  if (isObj(v.variables))
    for (const [k, val] of Object.entries(v.variables)) globalVars[k] = str(isObj(val) ? val.value : val) ?? "";

  const defs = new Map<string, Obj>(Object.entries(v).filter(([k, j]) => !RESERVED.has(k) && isObj(j)) as [string, Obj][]);
  const defaults: Obj = { ...(isObj(v.default) ? v.default : {}) };
  for (const k of ["image", "services", "before_script", "after_script"]) if (k in v && !(k in defaults)) defaults[k] = v[k];

  // extends, resolved with GitLab's limits (11 levels), cycles refused.
  const resolved = new Map<string, Obj>();
  const resolve = (name: string, depth = 0, seen = new Set<string>()): Obj => {
    const known = resolved.get(name);
    if (known) return known;
    const own = defs.get(name) ?? {};
    if (depth > 11 || seen.has(name)) return own;
    seen.add(name);
    const parents =
      typeof own.extends === "string"
        ? [own.extends]
        : Array.isArray(own.extends)
          ? own.extends.filter((x): x is string => typeof x === "string")
          : [];
    let base: Obj = {};
    for (const p of parents) base = merge(base, resolve(p, depth + 1, new Set(seen)));
    const full = merge(base, own);
    delete full.extends;
    resolved.set(name, full);
    return full;
  };
  const jobNames = [...defs.keys()].filter((k) => !k.startsWith("."));
  const jobs = new Map(jobNames.map((n) => [n, { ...pickDefaults(defaults, resolve(n)), ...resolve(n) }]));

  const expand = (s: string, vars: Record<string, string>): string => {
    let cur = s;
    for (let i = 0; i < 5 && /\$\{?[A-Za-z_]/.test(cur); i++)
      cur = cur.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, n: string) => vars[n] ?? m);
    return cur;
  };

  // ---- includes ----
  for (const [i, inc] of (Array.isArray(v.include) ? v.include : v.include ? [v.include] : []).entries()) {
    const line = src.lineOf(["include", i]) ?? src.lineOf(["include"]);
    const item = typeof inc === "string" ? (/^https?:\/\//i.test(inc) ? { remote: inc } : { local: inc }) : isObj(inc) ? inc : {};
    const remote = str(item.remote);
    const project = str(item.project);
    const component = str(item.component);
    if (remote && !SHA.test(remote.split("/").find((seg) => SHA.test(seg)) ?? ""))
      push("include-unpinned", {
        evidence: `remote: ${remote}`,
        line,
        message: `include:remote ${remote} pulls pipeline code from a URL that can change at any time.`,
      });
    if (project) {
      const ref = str(item.ref);
      if (!ref || !(SHA.test(ref) || VERSION.test(ref)))
        push("include-unpinned", {
          evidence: `project: ${project}@${ref ?? "(default branch)"}`,
          line,
          message: `include:project ${project} follows ${ref ? `branch ${ref}` : "the default branch"}: every push there changes this pipeline.`,
        });
    }
    if (component) {
      const ver = component.split("@")[1];
      if (!ver || !(SHA.test(ver) || VERSION.test(ver)))
        push("include-unpinned", {
          evidence: `component: ${component}`,
          line,
          message: `Component ${component} is not pinned to an exact version or SHA.`,
        });
    }
  }

  // ---- per definition (hidden templates too): images, scripts ----
  const scriptKeys = ["before_script", "script", "after_script"] as const;
  const scanDefinition = (name: string | undefined, def: Obj, path: (string | number)[]) => {
    const vars = { ...globalVars, ...varsOf(def.variables) };
    // Predefined CI_* variables stay as placeholders; an image naming any other unknown variable is not judged.
    const image = (raw: string) => expand(raw, vars).replace(/\$\{?(CI_[A-Z0-9_]+)\}?/g, "<$1>");
    const img = imageName(def.image);
    if (img) checkImage(image(img), name, [...path, "image"]);
    for (const [i, s] of (Array.isArray(def.services) ? def.services : []).entries()) {
      const simg = imageName(s);
      if (simg) checkImage(image(simg), name, [...path, "services", i]);
    }
    for (const key of scriptKeys) {
      // `!reference` lines are reported where they are written, in the job they point to.
      const lines = flattenScript(def[key], new Map());
      if (lines.length === 0) continue;
      const where = name ? `job ${name}` : "the default configuration";
      const scriptLine = src.lineOf([...path, key]);
      const seen = new Set<string>();
      for (const l of lines.flatMap(scriptLines)) {
        const remote = remoteScriptExec(l);
        if (remote && !seen.has(remote)) {
          seen.add(remote);
          push("remote-script-exec", {
            job: name,
            step: key,
            evidence: remote,
            line: scriptLine,
            message: `${where} downloads a script and runs it unverified (${remote.slice(0, 100)}).`,
          });
        }
        const inj = UNTRUSTED_VARS.exec(l);
        if (inj && EVAL_SINK.test(l)) {
          push("script-injection", {
            job: name,
            step: key,
            evidence: l.slice(0, 160),
            line: scriptLine,
            message: `${where} passes $${inj[1]} (text chosen by whoever pushes or opens a merge request) to a command that runs it as code.`,
          });
        }
        const leak = secretLeak(l);
        if (leak && !seen.has(`secret:${leak.name}:${leak.how}`)) {
          seen.add(`secret:${leak.name}:${leak.how}`);
          push("secret-exposed", {
            severity: leak.how === "printed" ? "medium" : "low",
            job: name,
            step: key,
            evidence: `${leak.how} $${leak.name}`,
            line: scriptLine,
            message:
              leak.how === "printed"
                ? `${where} prints $${leak.name} to the job log.`
                : leak.how === "written"
                  ? `${where} writes $${leak.name} to a file on the runner in clear.`
                  : `${where} passes $${leak.name} on a command line, where other processes and logs can see it.`,
          });
        }
      }
    }
  };
  scanDefinition(undefined, defaults, isObj(v.default) ? ["default"] : []);
  for (const [name, def] of defs) scanDefinition(name, def, [name]);

  // ---- scanners allowed to fail ----
  const includes = (Array.isArray(v.include) ? v.include : v.include ? [v.include] : []).map((inc) =>
    typeof inc === "string" ? inc : isObj(inc) ? (str(inc.template) ?? str(inc.local) ?? str(inc.file) ?? "") : "",
  );
  for (const [i, tpl] of includes.entries()) {
    const known = SECURITY_TEMPLATES.find(([re]) => re.test(tpl));
    if (!known) continue;
    const hardened = known[1].some((j) => {
      const d = defs.get(j);
      return d !== undefined && d.allow_failure === false;
    });
    if (!hardened)
      push("scanner-fail-open", {
        job: tpl,
        evidence: `include: ${tpl} (allow_failure: true)`,
        line: src.lineOf(["include", i]) ?? src.lineOf(["include"]),
        message: `The jobs of ${tpl} keep the template's \`allow_failure: true\`: when the scanner breaks, the pipeline goes on without its evidence.`,
      });
  }

  // ---- gate wiring and jobs allowed to fail ----
  const stages = [
    "pre",
    ...(Array.isArray(v.stages) ? v.stages.map(String) : DEFAULT_STAGES).filter((s) => s !== ".pre" && s !== ".post"),
    "post",
  ];
  const stageIndex = (s: string | undefined) => {
    const name = s ?? "test";
    if (name === ".pre") return 0;
    if (name === ".post") return stages.length - 1;
    const i = stages.indexOf(name);
    return i < 0 ? 1 : i;
  };
  const markers = deployMarkers(src.text);
  const anchors = jobNames.map((n) => ({ name: n, line: src.lineOf([n]) ?? 0 })).sort((a, b) => a.line - b.line);
  const markerFor = new Map<string, string>();
  for (const m of markers) {
    const a = anchors.find((x) => x.line >= m.line);
    if (a) markerFor.set(a.name, m.stage);
  }
  const needsOf = (job: Obj): string[] | undefined => {
    if (!Array.isArray(job.needs)) return undefined;
    return job.needs.map((n) => (typeof n === "string" ? n : isObj(n) ? str(n.job) : undefined)).filter((x): x is string => !!x);
  };
  const wiring: WiringJob[] = [];
  for (const [name, job] of jobs) {
    const line = src.lineOf([name]);
    const failOpen = allowFailure(job.allow_failure);
    const lines = [...flattenScript(job.before_script, defs), ...flattenScript(job.script, defs)].flatMap(scriptLines);
    const events: WiringEvent[] = [];
    const env = environmentOf(job.environment);
    const marker = markerFor.get(name);
    if (env && !["stop", "prepare", "access", "verify"].includes(env.action ?? ""))
      events.push({
        kind: "deploy",
        stage: marker ?? tierStage(env.tier) ?? normalizeStage(env.name),
        position: -1,
        jobLevel: true,
        evidence: `environment: ${env.name}`,
        line,
      });
    else if (marker)
      events.push({ kind: "deploy", stage: marker, position: 1_000_000, evidence: `# gatehouse: deploy ${marker}`, line });
    lines.forEach((l, i) => {
      const tool = deployCommand(l);
      if (tool) events.push({ kind: "deploy", stage: marker ?? normalizeStage(env?.name), position: i, evidence: tool, line });
      const scanner = scannerCommand(l);
      // A report-only first pass followed by a blocking run of the same scanner is fine.
      const rerun = scanner && lines.slice(i + 1).some((x) => scannerCommand(x) === scanner && !swallowsFailure(x, 0));
      if (scanner && !rerun) {
        const why = failOpen ?? swallowsFailure(l, l.search(/\S/));
        if (why)
          push("scanner-fail-open", {
            job: name,
            evidence: `${scanner} ${why}`,
            line,
            message: `The security scanner ${scanner} in job ${name} may fail without failing the pipeline (${why}).`,
          });
      }
    });
    for (const call of gatehouseCalls(lines)) {
      const stage = call.stage?.startsWith("$") ? (globalVars[call.stage.replace(/^\$\{?|\}$/g, "")] ?? undefined) : call.stage;
      events.push({
        kind: call.command === "gate" ? "gate" : "record",
        stage: stage ?? str(varsOf(job.variables).GATEHOUSE_STAGE),
        position: call.index,
        evidence: `gatehouse ${call.command}`,
        line,
        failOpen: call.command === "gate" ? gateFailOpenIn(lines, call) : undefined,
      });
    }
    // The Gatehouse CI template: jobs extending `.gatehouse-gate` / `.gatehouse-deploy`.
    const parents = [defs.get(name)?.extends].flat().filter((x): x is string => typeof x === "string");
    for (const p of parents) {
      const m = /gatehouse[-_:]?(gate|deploy)\b/i.exec(p);
      if (m && !events.some((e) => e.evidence.startsWith("gatehouse ")))
        events.push({
          kind: m[1]!.toLowerCase() === "gate" ? "gate" : "record",
          stage: str(varsOf(job.variables).GATEHOUSE_STAGE),
          position: -1,
          evidence: `extends: ${p}`,
          line,
        });
    }
    const needs = needsOf(job);
    const mine = stageIndex(str(job.stage));
    const predecessors = new Set(needs ?? jobNames.filter((n) => n !== name && stageIndex(str(jobs.get(n)!.stage)) < mine));
    // `needs` reach further back: what a needed job needs has run too.
    if (needs) {
      const stack = [...needs];
      while (stack.length) {
        const n = stack.pop()!;
        const j = jobs.get(n);
        if (!j) continue;
        for (const m of needsOf(j) ?? jobNames.filter((x) => stageIndex(str(jobs.get(x)!.stage)) < stageIndex(str(j.stage))))
          if (!predecessors.has(m) && m !== name) {
            predecessors.add(m);
            stack.push(m);
          }
      }
    }
    wiring.push({
      id: name,
      line,
      events,
      predecessors,
      failOpen: events.some((e) => e.kind === "gate") ? failOpen : undefined,
      runsAlways: str(job.when) === "always" ? "when: always" : undefined,
    });
    if (failOpen) {
      const scannerJob = scannerJobName(name, defs.get(name));
      if (scannerJob && !lines.some((l) => scannerCommand(l)))
        push("scanner-fail-open", {
          job: name,
          evidence: `${name} ${failOpen}`,
          line,
          message: `The security scanner job ${name} may fail without failing the pipeline (${failOpen}).`,
        });
    }
  }
  out.push(...checkGateWiring(wiring, (j) => `job ${j}`));
  return out;

  function checkImage(image: string, job: string | undefined, path: (string | number)[]) {
    const img = image.trim();
    // `macos-…` names a GitLab-hosted macOS VM image, not a container.
    if (img === "" || img.includes("$") || /@sha256:[0-9a-f]{64}$/i.test(img) || /^macos-/i.test(img)) return;
    const last = img.split("/").pop()!;
    const tag = last.includes(":") ? last.split(":").pop()! : "";
    const mutable =
      tag === "" || /^(latest|master|main|edge|nightly|testing|unstable|rolling|dev|develop|dind|buildserver)$/i.test(tag);
    push("image-unpinned", {
      severity: mutable ? "medium" : "low",
      job,
      evidence: img,
      line: src.lineOf(path),
      message: `Image ${img}${job ? ` in job ${job}` : " (default)"} is not pinned by digest${mutable ? ` (${tag || "no tag"}: it changes under you)` : ""}.`,
    });
  }
}

function pickDefaults(defaults: Obj, job: Obj): Obj {
  const out: Obj = {};
  for (const [k, val] of Object.entries(defaults)) if (!(k in job)) out[k] = val;
  return out;
}

function varsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, val] of Object.entries(v)) out[k] = str(isObj(val) ? val.value : val) ?? "";
  return out;
}

function imageName(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isObj(v)) return str(v.name);
  return undefined;
}

/** Script lines, with nested arrays flattened and `!reference [job, key]` lists resolved when they name a job. */
function flattenScript(v: unknown, defs: Map<string, Obj>, depth = 0): string[] {
  if (depth > 10) return [];
  if (typeof v === "string") return [v];
  if (!Array.isArray(v)) return [];
  if (v.length >= 2 && v.every((x) => typeof x === "string") && defs.has(v[0] as string)) {
    let node: unknown = defs.get(v[0] as string);
    for (const k of v.slice(1)) node = isObj(node) ? node[k as string] : undefined;
    if (node !== undefined) return flattenScript(node, defs, depth + 1);
  }
  return v.flatMap((x) => flattenScript(x, defs, depth + 1));
}

function allowFailure(v: unknown): string | undefined {
  if (v === true) return "allow_failure: true";
  if (isObj(v)) {
    const codes = Array.isArray(v.exit_codes) ? v.exit_codes : [v.exit_codes];
    if (codes.some((c) => Number(c) === 1)) return "allow_failure: exit_codes 1";
  }
  return undefined;
}

function environmentOf(v: unknown): { name: string; action?: string; tier?: string } | undefined {
  if (typeof v === "string") return { name: v };
  if (isObj(v) && str(v.name)) return { name: str(v.name)!, action: str(v.action), tier: str(v.deployment_tier) };
  return undefined;
}

function tierStage(tier: string | undefined): string | undefined {
  return { production: "production", staging: "staging", testing: "test", development: "dev" }[tier ?? ""];
}

/** Security scanner jobs by their name or template base (GitLab's analyzers, common names). */
function scannerJobName(name: string, def: Obj | undefined): boolean {
  const parents = [def?.extends].flat().filter((x): x is string => typeof x === "string");
  return [name, ...parents].some((n) =>
    /(^|[-_.:])(sast|dast|secret[-_]?detection|dependency[-_]?scanning|container[-_]?scanning|gemnasium|semgrep|trivy|grype|gitleaks|trufflehog|checkov|zizmor|snyk)([-_.:]|$)/i.test(
      n,
    ),
  );
}

/** A secret variable printed, written to a file, or put on a command line. */
function secretLeak(line: string): { name: string; how: "printed" | "written" | "argument" } | undefined {
  for (const m of line.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) {
    const name = m[1]!;
    if (!SECRET_NAME.test(name)) continue;
    const before = line.slice(0, m.index);
    const after = line.slice(m.index);
    if (/\|/.test(after) || /--password-stdin|<<</.test(line)) continue;
    const echo = /\b(echo|printf)\b/.exec(before);
    if (echo && !/[|;&]/.test(line.slice(echo.index, m.index))) {
      if (/>{1,2}\s*\S/.test(after)) return { name, how: "written" };
      return { name, how: "printed" };
    }
    if (
      /(^|\s)(-{1,2}[a-z][\w-]*[= ]\s*["']?[\w=]*|token=|password=|-p\s*)$/i.test(before.replace(/["']$/, "")) ||
      /--form\s+\w+=$/.test(before)
    )
      return { name, how: "argument" };
  }
  return undefined;
}
