// What a CI script does, read from its text: deploys, Gatehouse calls, scanners, downloads run as code. Pure.

/** A script's logical lines: comments dropped, backslash continuations joined. */
export function scriptLines(script: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const raw of script.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, "");
    if (cur === "" && line.startsWith("#")) continue;
    if (/\\\s*$/.test(line)) {
      cur += line.replace(/\\\s*$/, " ");
      continue;
    }
    cur += line;
    if (cur.trim() !== "") out.push(cur.trim());
    cur = "";
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

// ---- deploys ----

const DEPLOY_COMMANDS: [RegExp, string][] = [
  [/\bkubectl\b[^|;&\n]*?\s(apply|replace|create|set\s+image|rollout\s+(restart|undo)|patch|scale)\b/, "kubectl"],
  [/\bhelm(?:file)?\b[^|;&\n]*?\s(upgrade|install|sync|apply|rollback)\b/, "helm"],
  [/\b(terraform|tofu|terragrunt)\b[^|;&\n]*?\s(apply|destroy|run-all\s+apply)\b/, "terraform"],
  [/\baws\s+ecs\s+(update-service|deploy)\b/, "aws ecs"],
  [/\baws\s+lambda\s+update-function-code\b/, "aws lambda"],
  [/\baws\s+cloudformation\s+(deploy|update-stack|create-stack)\b/, "aws cloudformation"],
  [/\baws\s+deploy\s+create-deployment\b/, "aws deploy"],
  [
    /\bgcloud\s+(beta\s+)?(run\s+deploy|run\s+services\s+update|app\s+deploy|functions\s+deploy|deploy\s+releases\s+create)\b/,
    "gcloud",
  ],
  [
    /\baz\s+(webapp\s+(deploy|up|config\s+container\s+set)|functionapp\s+deployment|containerapp\s+update|aks\s+command\s+invoke)\b/,
    "az",
  ],
  [/\b(flyctl|fly)\s+deploy\b/, "flyctl"],
  [/\bvercel\b[^|;&\n]*\s--prod\b/, "vercel"],
  [/\bnetlify\s+deploy\b[^|;&\n]*\s--prod\b/, "netlify"],
  [/\b(serverless|sls)\s+deploy\b/, "serverless"],
  [/\bcdk\s+deploy\b/, "cdk"],
  [/\bpulumi\s+up\b/, "pulumi"],
  [/\bargocd\s+app\s+(sync|set)\b/, "argocd"],
  [/\beb\s+deploy\b/, "eb"],
  [/\bfirebase\s+deploy\b/, "firebase"],
  [/\bwrangler\s+(deploy|publish)\b/, "wrangler"],
  [/\bskaffold\s+(run|deploy)\b/, "skaffold"],
  [/\bdocker\s+stack\s+deploy\b/, "docker stack"],
  [/\bnomad\s+(job\s+)?run\b/, "nomad"],
  [/\bcf\s+push\b/, "cf"],
  [/\bheroku\s+(container:release|releases:rollback)\b/, "heroku"],
  [/\bcopilot\s+(svc|job)\s+deploy\b/, "copilot"],
];

/** The deploy tool a script line runs, if any. */
export function deployCommand(line: string): string | undefined {
  for (const [re, tool] of DEPLOY_COMMANDS) if (re.test(line)) return tool;
  return undefined;
}

/** Actions whose job is to deploy (owner/repo, lower case, without the ref). */
const DEPLOY_ACTIONS = [
  "azure/webapps-deploy",
  "azure/k8s-deploy",
  "azure/functions-action",
  "azure/container-apps-deploy-action",
  "azure/arm-deploy",
  "aws-actions/amazon-ecs-deploy-task-definition",
  "aws-actions/aws-cloudformation-github-deploy",
  "google-github-actions/deploy-cloudrun",
  "google-github-actions/deploy-appengine",
  "google-github-actions/deploy-cloud-functions",
  "cloudflare/wrangler-action",
  "amondnet/vercel-action",
  "akhileshns/heroku-deploy",
  "digitalocean/app_action",
  "hashicorp/tfc-workflows-github/actions/apply-run",
  "deliverybot/helm",
];

export function isDeployAction(uses: string): boolean {
  const name = uses.split("@")[0]!.toLowerCase();
  if (DEPLOY_ACTIONS.some((a) => name === a || name.startsWith(`${a}/`))) return true;
  return false;
}

// ---- Gatehouse calls ----

export type GatehouseCall = { command: "gate" | "deploy"; stage: string | undefined; line: string; index: number };

const CLI_CALL = /\bgatehouse(?:\.mjs)?(?:["']?\s+--)?\s+(gate|deploy)\b/;
const HTTP_CALL = /\/api\/v1\/(gate|deployments)\b(?!\/)/;

/** Gatehouse client or REST calls in a script, in order. */
export function gatehouseCalls(lines: readonly string[]): GatehouseCall[] {
  const out: GatehouseCall[] = [];
  lines.forEach((line, index) => {
    const cli = CLI_CALL.exec(line);
    if (cli) {
      out.push({ command: cli[1] as "gate" | "deploy", stage: stageArg(line.slice(cli.index)), line, index });
      return;
    }
    const http = HTTP_CALL.exec(line);
    if (http && /\b(curl|wget|http|Invoke-RestMethod|Invoke-WebRequest|iwr|irm)\b/i.test(line)) {
      const json = /["']?stage["']?\s*:\s*\\?["']([^"'\\]+)\\?["']/.exec(line)?.[1];
      out.push({ command: http[1] === "gate" ? "gate" : "deploy", stage: json, line, index });
    }
  });
  return out;
}

function stageArg(call: string): string | undefined {
  const m = /\s--stage(?:=|\s+)(["']?)([^\s"';|&)]+)\1/.exec(call);
  return m?.[2];
}

/** How a gate call is kept from failing its script: undefined when a block still fails it. */
export function gateFailOpenIn(lines: readonly string[], call: GatehouseCall): string | undefined {
  const after = call.line.slice(call.line.search(CLI_CALL) >= 0 ? call.line.search(CLI_CALL) : 0);
  if (/\s--fail-open\b/.test(after)) return "--fail-open";
  const ored = /\|\|\s*(.*)$/.exec(after);
  if (ored && !/\b(exit\s+[1-9]|false\b|return\s+[1-9])/.test(ored[1]!)) return `|| ${ored[1]!.trim()}`.trim();
  // `set +e` earlier in the script, and the call is not what ends it nor checked afterwards.
  let errexit = true;
  for (let i = 0; i < call.index; i++) {
    if (/(^|[;&|]\s*)set\s+\+e\b/.test(lines[i]!) || /(^|[;&|]\s*)set\s+\+o\s+errexit\b/.test(lines[i]!)) errexit = false;
    else if (/(^|[;&|]\s*)set\s+-[a-z]*e/.test(lines[i]!) || /set\s+-o\s+errexit\b/.test(lines[i]!)) errexit = true;
  }
  if (!errexit) {
    const rest = lines.slice(call.index + 1);
    const checked = rest.some((l) => /\$\?|PIPESTATUS|\bexit\s+"?\$/.test(l)) || /\b(if|&&)\b/.test(call.line);
    if (rest.length > 0 && !checked) return "set +e";
  }
  return undefined;
}

// ---- security scanners ----

const SCANNER_COMMANDS =
  /(^|[\s;&|(/])(trivy\s+(image|fs|filesystem|repo|config|k8s|sbom|rootfs)|grype|semgrep(\s+(scan|ci))?|gitleaks|trufflehog|snyk\s+(test|code|container|iac)|checkov|tfsec|kics\s+scan|bandit|zap-(baseline|full-scan|api-scan)(\.py)?|osv-scanner|npm\s+audit|yarn\s+(npm\s+)?audit|pnpm\s+audit|pip[-_]audit|safety\s+(check|scan)|gosec|govulncheck|hadolint|dockle|zizmor|poutine|dependency-check(\.sh)?|retire|detect-secrets\s+scan|ggshield|brakeman|cargo\s+audit|bundle[- ]audit)\b/;

export function scannerCommand(line: string): string | undefined {
  const m = SCANNER_COMMANDS.exec(line);
  return m ? m[2]!.split(/\s+/)[0] : undefined;
}

const SCANNER_ACTIONS = [
  "github/codeql-action/analyze",
  "aquasecurity/trivy-action",
  "aquasecurity/tfsec-action",
  "anchore/scan-action",
  "snyk/actions",
  "returntocorp/semgrep-action",
  "semgrep/semgrep-action",
  "gitleaks/gitleaks-action",
  "trufflesecurity/trufflehog",
  "zaproxy/action-baseline",
  "zaproxy/action-full-scan",
  "zaproxy/action-api-scan",
  "bridgecrewio/checkov-action",
  "ossf/scorecard-action",
  "zizmorcore/zizmor-action",
  "google/osv-scanner-action",
  "docker/scout-action",
  "sonarsource/sonarqube-scan-action",
  "sonarsource/sonarcloud-github-action",
  "pypa/gh-action-pip-audit",
  "checkmarx/kics-github-action",
  "boostsecurityio/poutine-action",
  "stackhawk/hawkscan-action",
];

export function isScannerAction(uses: string): boolean {
  const name = uses.split("@")[0]!.toLowerCase();
  return SCANNER_ACTIONS.some((a) => name === a || name.startsWith(`${a}/`));
}

/** `|| true`-style escapes after a command on the same line: the command's failure is swallowed. */
export function swallowsFailure(line: string, at: number): string | undefined {
  const rest = line.slice(at);
  const m = /\|\|\s*(true|:|exit\s+0|echo\b[^;&|]*)\s*(;|$)/.exec(rest);
  return m ? `|| ${m[1]!.trim()}` : undefined;
}

// ---- downloads run as code ----

const REMOTE_EXEC = [
  /\b(curl|wget)\b[^|;\n]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+\S+=\S+\s+)*(ba|z|da|k|fi)?sh\b/,
  /\b(curl|wget)\b[^|;\n]*\|\s*(sudo\s+(-\S+\s+)*)?(python[23]?|perl|ruby|node|php)\b(?!\s+-m\s+json)/,
  /\b(ba|z)?sh\s+(-s\s+)?<\(\s*(curl|wget)\b/,
  /\b(ba|z)?sh\s+-c\s+["']?\$\(\s*(curl|wget)\b/,
  /\bsource\s+<\(\s*(curl|wget)\b/,
  /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b[^|;\n]*\|\s*(iex|Invoke-Expression)\b/i,
  /\b(iex|Invoke-Expression)\b[^\n]*\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b/i,
];

export function remoteScriptExec(line: string): string | undefined {
  for (const re of REMOTE_EXEC) {
    const m = re.exec(line);
    if (m) return line.slice(Math.max(0, m.index), Math.min(line.length, m.index + 160)).trim();
  }
  return undefined;
}
