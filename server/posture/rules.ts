// The pipeline-definition rules Gatehouse checks in GitHub Actions workflows, composite actions and .gitlab-ci.yml.
// Pure. docs/rules/pipeline-posture.md documents every id; a unit test keeps the two in step.
import type { Severity } from "../ingest/types";

export type PostureRuleId =
  | "gate-missing"
  | "gate-fail-open"
  | "scanner-fail-open"
  | "deploy-unrecorded"
  | "action-unpinned"
  | "image-unpinned"
  | "include-unpinned"
  | "permissions-write-all"
  | "permissions-default"
  | "permissions-broad"
  | "untrusted-checkout"
  | "script-injection"
  | "secret-unpinned-action"
  | "secret-exposed"
  | "remote-script-exec"
  | "self-hosted-pr";

export type PostureRule = {
  id: PostureRuleId;
  title: string;
  /** the usual severity; some rules lower or raise it with the context, as the docs say */
  severity: Severity;
  /** gate wiring: the production default policy blocks on these */
  gateWiring: boolean;
  remediation: string;
};

export const POSTURE_RULES: Record<PostureRuleId, PostureRule> = {
  "gate-missing": {
    id: "gate-missing",
    title: "Deploys without asking the Gatehouse gate",
    severity: "high",
    gateWiring: true,
    remediation:
      "Call `gatehouse gate --stage <stage>` (or the Gatehouse action with `command: gate`) before the deploy, in the same job or in a job the deploy job needs.",
  },
  "gate-fail-open": {
    id: "gate-fail-open",
    title: "The gate's answer cannot stop the deploy",
    severity: "high",
    gateWiring: true,
    remediation:
      "Let a blocked gate fail the job: remove `continue-on-error`/`allow_failure`, `|| true`, `--fail-open` and `set +e` around the gate call, and do not run the deploy with `if: always()` or `when: always`.",
  },
  "scanner-fail-open": {
    id: "scanner-fail-open",
    title: "A security scanner is allowed to fail",
    severity: "medium",
    gateWiring: true,
    remediation:
      "Let the scanner fail the job when it cannot run (remove `continue-on-error: true`, `allow_failure: true` or `|| true`); findings are judged by the gate, so use the scanner's report-only option (e.g. `--exit-code 0`) instead of hiding crashes.",
  },
  "deploy-unrecorded": {
    id: "deploy-unrecorded",
    title: "A deploy is not recorded in Gatehouse",
    severity: "medium",
    gateWiring: true,
    remediation:
      "After the deploy, run `gatehouse deploy --stage <stage> --decision <id>` (or the Gatehouse action with `command: deploy`) so that bypasses can be detected.",
  },
  "action-unpinned": {
    id: "action-unpinned",
    title: "Action or reusable workflow not pinned to a full commit SHA",
    severity: "medium",
    gateWiring: false,
    remediation:
      "Pin `uses:` to a full 40-character commit SHA and keep the version in a comment (`uses: owner/repo@<sha> # v4.1.0`); let Dependabot or Renovate update it.",
  },
  "image-unpinned": {
    id: "image-unpinned",
    title: "Container image not pinned by digest",
    severity: "low",
    gateWiring: false,
    remediation: "Reference the image by digest (`image@sha256:…`), keeping the tag for readers (`image:1.2@sha256:…`).",
  },
  "include-unpinned": {
    id: "include-unpinned",
    title: "Included pipeline configuration not pinned",
    severity: "medium",
    gateWiring: false,
    remediation:
      "Pin `include:project` to a commit SHA (`ref: <sha>`) and components to an exact version; avoid `include:remote`.",
  },
  "permissions-write-all": {
    id: "permissions-write-all",
    title: "Token granted every write permission",
    severity: "high",
    gateWiring: false,
    remediation: "Replace `permissions: write-all` with the few scopes the job needs (e.g. `contents: read`).",
  },
  "permissions-default": {
    id: "permissions-default",
    title: "No top-level permissions: jobs get the repository's default token scopes",
    severity: "medium",
    gateWiring: false,
    remediation: "Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant each job only what it needs.",
  },
  "permissions-broad": {
    id: "permissions-broad",
    title: "Write permissions granted to the whole workflow",
    severity: "medium",
    gateWiring: false,
    remediation: "Set `permissions: {}` at the top and grant the write scopes only to the job that needs them.",
  },
  "untrusted-checkout": {
    id: "untrusted-checkout",
    title: "Privileged workflow checks out pull-request code",
    severity: "critical",
    gateWiring: false,
    remediation:
      "Do not check out or run the pull request's code under `pull_request_target`, `workflow_run` or `issue_comment`: build it in a `pull_request` workflow without secrets and pass results as artifacts treated as data.",
  },
  "script-injection": {
    id: "script-injection",
    title: "Untrusted input expanded into a script",
    severity: "high",
    gateWiring: false,
    remediation:
      'Pass the value through an environment variable and quote it in the script (`env: TITLE: ${{ github.event.issue.title }}` then `"$TITLE"`); never eval it.',
  },
  "secret-unpinned-action": {
    id: "secret-unpinned-action",
    title: "Secret handed to an action that is not pinned",
    severity: "high",
    gateWiring: false,
    remediation: "Pin the action to a full commit SHA before giving it secrets, or use a first-party or in-repository action.",
  },
  "secret-exposed": {
    id: "secret-exposed",
    title: "Secret expanded into a script, printed or written in clear",
    severity: "medium",
    gateWiring: false,
    remediation:
      "Pass secrets through environment variables, feed them to tools on stdin (`--password-stdin`), and never echo them or write them to files that outlive the job.",
  },
  "remote-script-exec": {
    id: "remote-script-exec",
    title: "Script downloaded and run without verification",
    severity: "medium",
    gateWiring: false,
    remediation:
      "Download to a file, verify its checksum or signature against a pinned value, then run it; or use a pinned package.",
  },
  "self-hosted-pr": {
    id: "self-hosted-pr",
    title: "Self-hosted runner used by a pull-request workflow",
    severity: "high",
    gateWiring: false,
    remediation:
      "Run pull-request workflows on GitHub-hosted or ephemeral, isolated runners; keep persistent self-hosted runners for trusted events.",
  },
};

export const POSTURE_RULE_IDS = Object.keys(POSTURE_RULES) as PostureRuleId[];

/** Gate-wiring rule ids: the policy rule `noGateWiringFindings` looks for these in Gatehouse's own posture findings. */
export const GATE_WIRING_RULE_IDS: readonly string[] = POSTURE_RULE_IDS.filter((id) => POSTURE_RULES[id].gateWiring);

export const isGateWiringRule = (ruleId: string): boolean => GATE_WIRING_RULE_IDS.includes(ruleId);

/** One finding of a pipeline-definition check, before it becomes a RawFinding. */
export type PostureFinding = {
  rule: PostureRuleId;
  severity: Severity;
  message: string;
  /** job id (GitHub `jobs.<id>`, GitLab job name); undefined for workflow-level findings */
  job?: string;
  /** step identity: name, uses, or kind and index among steps of the same kind */
  step?: string;
  /** the offending expression, action, image or command: part of the fingerprint */
  evidence: string;
  line?: number;
};
