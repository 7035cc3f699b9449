// Gate wiring, the same for GitHub Actions and GitLab CI: every deploy must come after a gate call for its stage that
// can fail the pipeline, and be recorded with `gatehouse deploy` afterwards. Pure.
import { POSTURE_RULES, type PostureFinding } from "./rules";

export type WiringEvent = {
  kind: "gate" | "deploy" | "record";
  /** the Gatehouse stage; undefined or an expression when it cannot be told from the text */
  stage: string | undefined;
  /** order inside the job (step index × 1000 + line in its script) */
  position: number;
  /** a deploy that is the whole job (an environment, a marker on the job): any gate or record in the job counts */
  jobLevel?: boolean;
  step?: string;
  /** the command, action or marker that makes this event */
  evidence: string;
  line?: number;
  /** why this gate call cannot fail the job (`|| true`, `continue-on-error: true`, …) */
  failOpen?: string;
  /** why this deploy step runs even after a failed step (`if: always()`) */
  runsAlways?: string;
};

export type WiringJob = {
  id: string;
  line?: number;
  events: WiringEvent[];
  /** jobs that must finish successfully before this one starts */
  predecessors: ReadonlySet<string>;
  /** why the whole job cannot fail the pipeline (`continue-on-error: true`, `allow_failure: true`) */
  failOpen?: string;
  /** why the job runs even when a job it waits for failed (`if: always()`, `when: always`) */
  runsAlways?: string;
};

const PRODUCTION = /^(prod|production|prd|live)$/;
const STAGING = /^(staging|stage|stg|pre-?prod|preproduction|uat)$/;
const TEST = /^(test|testing|qa|integration)$/;
const DEV = /^(dev|develop|development|review)$/;

/** Environment and stage names to Gatehouse's stage words: "prod" and "Production" are the same stage. */
export function normalizeStage(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim().toLowerCase();
  if (s === "" || /[$%{}]/.test(s)) return undefined;
  const base = s.split(/[/:]/)[0]!;
  if (PRODUCTION.test(base)) return "production";
  if (STAGING.test(base)) return "staging";
  if (TEST.test(base)) return "test";
  if (DEV.test(base)) return "dev";
  return base;
}

/** The stage an environment name deploys to, only when the name says it is one (not `pypi`, `github-pages`). */
export function environmentStage(name: string | undefined): string | undefined {
  const s = normalizeStage(name);
  return s && ["production", "staging", "test", "dev"].includes(s) ? s : undefined;
}

const sameStage = (a: string | undefined, b: string | undefined) => {
  const x = normalizeStage(a);
  const y = normalizeStage(b);
  return x === undefined || y === undefined || x === y;
};

const stageText = (s: string | undefined) => (normalizeStage(s) ? ` for stage ${normalizeStage(s)}` : "");

export function checkGateWiring(jobs: readonly WiringJob[], where: (job: string) => string): PostureFinding[] {
  const out: PostureFinding[] = [];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const job of jobs) {
    for (const g of job.events.filter((e) => e.kind === "gate")) {
      const why = g.failOpen ?? job.failOpen;
      if (why)
        out.push({
          rule: "gate-fail-open",
          severity: why === "--fail-open" ? "medium" : POSTURE_RULES["gate-fail-open"].severity,
          job: job.id,
          step: g.step,
          evidence: `${g.evidence} ${why}`,
          line: g.line ?? job.line,
          message: `The gate call${stageText(g.stage)} in ${where(job.id)} cannot stop the pipeline (${why}): a blocked decision lets the deploy go on.`,
        });
    }
    const deploys = job.events.filter((e) => e.kind === "deploy");
    const stepDeploys = deploys.filter((d) => !d.jobLevel);
    const firstStep = stepDeploys.length > 0 ? Math.min(...stepDeploys.map((d) => d.position)) : Infinity;
    let missingReported = false;
    for (const d of deploys) {
      const upTo = d.jobLevel ? firstStep : d.position;
      const here = job.events.filter((e) => e.kind === "gate" && e.position < upTo && sameStage(e.stage, d.stage));
      const before = [...job.predecessors].flatMap((p) =>
        (byId.get(p)?.events ?? []).filter((e) => e.kind === "gate" && sameStage(e.stage, d.stage)),
      );
      if (here.length === 0 && before.length === 0) {
        // One missing gate per job: the environment and the kubectl step in it are one deploy.
        if (missingReported) continue;
        missingReported = true;
        out.push({
          rule: "gate-missing",
          severity: POSTURE_RULES["gate-missing"].severity,
          job: job.id,
          step: d.step,
          evidence: `${d.evidence}${d.stage ? ` @${normalizeStage(d.stage) ?? d.stage}` : ""}`,
          line: d.line ?? job.line,
          message: `${where(job.id)} deploys${stageText(d.stage)} (${d.evidence}) without a Gatehouse gate call for that stage before it, in the job or a job it needs.`,
        });
        continue;
      }
      const always = here.length > 0 ? d.runsAlways : undefined;
      const jobAlways = here.length === 0 ? job.runsAlways : undefined;
      if (always || jobAlways)
        out.push({
          rule: "gate-fail-open",
          severity: POSTURE_RULES["gate-fail-open"].severity,
          job: job.id,
          step: d.step,
          evidence: `${d.evidence} ${always ?? jobAlways}`,
          line: d.line ?? job.line,
          message: `The deploy in ${where(job.id)} runs even when the gate failed (${always ?? jobAlways}).`,
        });
    }
    if (deploys.length > 0) {
      const last = stepDeploys.length > 0 ? Math.max(...stepDeploys.map((d) => d.position)) : -Infinity;
      const recordedHere = job.events.some((e) => e.kind === "record" && e.position > last);
      const recordedLater = jobs.some((j) => j.predecessors.has(job.id) && j.events.some((e) => e.kind === "record"));
      if (!recordedHere && !recordedLater) {
        const d = stepDeploys[0] ?? deploys[0]!;
        out.push({
          rule: "deploy-unrecorded",
          severity: POSTURE_RULES["deploy-unrecorded"].severity,
          job: job.id,
          step: d.step,
          evidence: d.evidence,
          line: d.line ?? job.line,
          message: `${where(job.id)} deploys (${d.evidence}) but never records it with \`gatehouse deploy\`, so a bypass of the gate would go unnoticed.`,
        });
      }
    }
  }
  return out;
}

/** `# gatehouse: deploy <stage>` comments: line → stage. */
export function deployMarkers(text: string): { line: number; stage: string }[] {
  const out: { line: number; stage: string }[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    const m = /#\s*gatehouse:\s*deploy\s+([A-Za-z0-9_./-]+)/.exec(l);
    if (m) out.push({ line: i + 1, stage: m[1]! });
  });
  return out;
}
