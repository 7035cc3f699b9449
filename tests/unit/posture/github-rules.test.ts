// Gatehouse's GitHub Actions rules, one by one: what each flags and the safe look-alikes it must leave alone.
import { describe, expect, it } from "vitest";
import { parsePipeline } from "@/tests/helpers/pipeline-samples";

const SHA = "8f4b7f84864484a7bf31766abe9204da3cbe65b3";

/** Findings of a workflow as {rule, severity, job, step, evidence}. */
function check(yaml: string, path = ".github/workflows/ci.yml") {
  const report = parsePipeline(yaml, path);
  expect(report.format).toBe("github-actions");
  return report.parts.flatMap((p) =>
    p.findings.map((f) => ({
      rule: f.ruleId,
      severity: f.severity,
      job: f.properties?.job,
      step: f.properties?.step,
      evidence: String(f.properties?.evidence ?? ""),
      message: f.description ?? "",
      line: f.location?.startLine,
    })),
  );
}
const rules = (yaml: string) => check(yaml).map((f) => f.rule);
const only = (yaml: string, rule: string) => check(yaml).filter((f) => f.rule === rule);

const wf = (jobs: string, head = "on: push\npermissions: {}\n") => `${head}jobs:\n${jobs}`;

describe("action-unpinned", () => {
  it("flags third-party tags and branches (medium), first-party actions (low), and reusable workflows", () => {
    const f = only(
      wf(`  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
      - uses: sonarsource/sonarqube-scan-action@master
  call:
    uses: acme/pipelines/.github/workflows/deploy.yml@main
`),
      "action-unpinned",
    );
    expect(f.map((x) => [x.evidence, x.severity]).sort()).toEqual([
      ["acme/pipelines/.github/workflows/deploy.yml@main", "medium"],
      ["actions/checkout@v4", "low"],
      ["docker/login-action@v3", "medium"],
      ["sonarsource/sonarqube-scan-action@master", "medium"],
    ]);
    expect(f.find((x) => x.evidence.startsWith("docker/login"))!.message).toMatch(/Third-party/);
  });

  it("accepts full SHAs, local actions and docker images pinned by digest", () => {
    expect(
      rules(
        wf(`  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@${SHA} # v4
      - uses: docker/login-action@${SHA}
      - uses: ./.github/actions/setup
      - uses: docker://alpine@sha256:${"a".repeat(64)}
`),
      ),
    ).toEqual([]);
  });
});

describe("image-unpinned", () => {
  it("flags job containers, services and docker:// steps by tag; latest or no tag is medium", () => {
    const f = only(
      wf(`  test:
    runs-on: ubuntu-latest
    container: node:20
    services:
      db:
        image: postgres
    steps:
      - uses: docker://alpine:latest
`),
      "image-unpinned",
    );
    expect(f.map((x) => [x.evidence, x.severity]).sort()).toEqual([
      ["alpine:latest", "medium"],
      ["node:20", "low"],
      ["postgres", "medium"],
    ]);
  });
  it("accepts digests and expressions it cannot judge", () => {
    expect(
      rules(
        wf(`  test:
    runs-on: ubuntu-latest
    container: node:20@sha256:${"b".repeat(64)}
    services:
      db:
        image: \${{ matrix.db }}
    steps:
      - run: true
`),
      ),
    ).toEqual([]);
  });
});

describe("permissions", () => {
  it("flags write-all at the top and on a job", () => {
    const f = check(
      `on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: x\n    permissions: write-all\n    steps: [{run: "true"}]\n`,
    );
    expect(f.filter((x) => x.rule === "permissions-write-all").map((x) => x.job)).toEqual([undefined, "a"]);
  });
  it("flags a workflow without top-level permissions when a job inherits the default", () => {
    expect(rules(`on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: "true"}]\n`)).toEqual(["permissions-default"]);
    // Every job sets its own: the default token is never used.
    expect(
      rules(`on: push\njobs:\n  a:\n    runs-on: x\n    permissions: {contents: read}\n    steps: [{run: "true"}]\n`),
    ).toEqual([]);
    // A reusable workflow runs with its caller's permissions.
    expect(rules(`on: workflow_call\njobs:\n  a:\n    runs-on: x\n    steps: [{run: "true"}]\n`)).toEqual([]);
  });
  it("flags write scopes granted to every job at the top (medium when several jobs inherit them)", () => {
    const f = only(
      `on: pull_request\npermissions:\n  contents: read\n  pull-requests: write\njobs:\n  a: {runs-on: x, steps: [{run: "true"}]}\n  b: {runs-on: x, steps: [{run: "true"}]}\n`,
      "permissions-broad",
    );
    expect(f.map((x) => [x.evidence, x.severity])).toEqual([["permissions: pull-requests: write", "medium"]]);
    expect(
      rules(
        `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    permissions: {contents: write}\n    steps: [{run: "true"}]\n`,
      ),
    ).toEqual([]);
  });
});

describe("untrusted-checkout", () => {
  const prt = (withs: string, after = "      - run: npm test\n") =>
    `on: pull_request_target\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@${SHA}\n        with:\n${withs}${after}`;
  it("flags pull_request_target checking out the PR head, critical when it then runs code", () => {
    const f = only(prt("          ref: ${{ github.event.pull_request.head.sha }}\n"), "untrusted-checkout");
    expect(f.map((x) => x.severity)).toEqual(["critical"]);
    expect(
      only(prt("          ref: refs/pull/${{ github.event.number }}/merge\n", ""), "untrusted-checkout").map((x) => x.severity),
    ).toEqual(["high"]);
  });
  it("flags workflow_run checking out a ref computed from the run's artifacts", () => {
    const y = `on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@${SHA}\n        with:\n          ref: \${{ needs.ctx.outputs.sha }}\n      - run: make\n`;
    expect(only(y, "untrusted-checkout")).toHaveLength(1);
  });
  it("leaves the same checkout alone under pull_request, and base-branch checkouts under pull_request_target", () => {
    expect(
      only(
        prt("          ref: ${{ github.event.pull_request.head.sha }}\n").replace("pull_request_target", "pull_request"),
        "untrusted-checkout",
      ),
    ).toEqual([]);
    expect(only(prt("          persist-credentials: false\n"), "untrusted-checkout")).toEqual([]);
  });
});

describe("script-injection", () => {
  const job = (run: string, on = "issues", extra = "") =>
    `on: ${on}\npermissions: {}\njobs:\n  j:\n    runs-on: x\n${extra}    steps:\n      - name: Greet\n        run: ${run}\n`;
  it("flags attacker-controlled text expanded into run, high on privileged triggers", () => {
    const f = only(job('echo "${{ github.event.issue.title }}"'), "script-injection");
    expect(f.map((x) => [x.severity, x.evidence, x.step])).toEqual([["high", "${{ github.event.issue.title }}", "name:Greet"]]);
    expect(only(job("git checkout ${{ github.head_ref }}", "pull_request"), "script-injection")[0]!.severity).toBe("medium");
  });
  it("is high on pull_request when the job holds secrets, and reads through env.X and github-script", () => {
    expect(
      only(
        job("git push ${{ github.head_ref }}", "pull_request", "    env:\n      T: ${{ secrets.DEPLOY }}\n"),
        "script-injection",
      )[0]!.severity,
    ).toBe("high");
    const viaEnv = `on: issue_comment\npermissions: {}\nenv:\n  BODY: \${{ github.event.comment.body }}\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: echo "\${{ env.BODY }}"\n`;
    expect(only(viaEnv, "script-injection")).toHaveLength(1);
    const script = `on: issues\npermissions: {}\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: actions/github-script@${SHA}\n        with:\n          script: console.log("\${{ github.event.issue.body }}")\n`;
    expect(only(script, "script-injection")).toHaveLength(1);
  });
  it("leaves the safe pattern alone: untrusted text through env and quoted in the script", () => {
    const safe = `on: issues\npermissions: {}\njobs:\n  j:\n    runs-on: x\n    steps:\n      - env:\n          TITLE: \${{ github.event.issue.title }}\n        run: echo "$TITLE"\n`;
    expect(rules(safe)).toEqual([]);
    // Numbers and SHAs are not text an outsider writes.
    expect(
      only(job('echo "${{ github.event.issue.number }} ${{ github.event.pull_request.head.sha }}"'), "script-injection"),
    ).toEqual([]);
  });
  it("reports refs a pusher names, and jobs limited to named accounts, at lower severity", () => {
    expect(only(job('echo "${{ github.ref_name }}"', "push"), "script-injection")[0]!.severity).toBe("low");
    const gated = job(
      'echo "${{ github.event.comment.body }}"',
      "issue_comment",
      "    if: github.event.comment.user.login == 'owner'\n",
    );
    expect(only(gated, "script-injection")[0]!.severity).toBe("medium");
  });
  it("flags a composite action's github.head_ref (caller context unknown) and inputs at low", () => {
    const action = `name: fmt\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: git pull origin \${{ github.head_ref || github.ref }} && echo \${{ inputs.who }}\n`;
    const f = check(action, "action.yml");
    expect(f.map((x) => [x.rule, x.severity]).sort()).toEqual([
      ["script-injection", "high"],
      ["script-injection", "low"],
    ]);
  });
});

describe("secrets", () => {
  it("flags secrets given to an unpinned third-party action (GITHUB_TOKEN alone: medium)", () => {
    const y = wf(`  p:
    runs-on: x
    steps:
      - uses: JS-DevTools/npm-publish@v3
        with:
          token: \${{ secrets.NPM_TOKEN }}
      - uses: docker/login-action@v3
        with:
          password: \${{ secrets.GITHUB_TOKEN }}
      - uses: docker/login-action@${SHA}
        with:
          password: \${{ secrets.REGISTRY }}
      - uses: actions/github-script@v7
        with:
          github-token: \${{ secrets.PAT }}
`);
    expect(only(y, "secret-unpinned-action").map((x) => [x.evidence, x.severity])).toEqual([
      ["JS-DevTools/npm-publish NPM_TOKEN", "high"],
      ["docker/login-action GITHUB_TOKEN", "medium"],
    ]);
  });
  it("flags secrets expanded into run text and printed env secrets, not secrets fed on stdin", () => {
    const inline = wf(`  d:\n    runs-on: x\n    steps:\n      - run: echo "\${{ secrets.SSH_KEY }}" > key\n`);
    expect(only(inline, "secret-exposed").map((x) => x.evidence)).toEqual(["run: ${{ secrets.SSH_KEY }}"]);
    const printed = wf(
      `  d:\n    runs-on: x\n    steps:\n      - env:\n          TOKEN: \${{ secrets.T }}\n        run: echo $TOKEN\n`,
    );
    expect(only(printed, "secret-exposed")).toHaveLength(1);
    const stdin = wf(
      `  d:\n    runs-on: x\n    steps:\n      - env:\n          PASS: \${{ secrets.T }}\n        run: echo "$PASS" | docker login ghcr.io -u me --password-stdin\n`,
    );
    expect(rules(stdin)).toEqual([]);
  });
});

describe("remote-script-exec", () => {
  it("flags curl|sh and its variants, not a download verified before it runs", () => {
    for (const cmd of [
      "curl -fsSL https://get.example.sh | sh",
      "wget -qO- https://x.io/i.sh | sudo bash",
      "bash <(curl -s https://x.io/i.sh)",
      "curl https://x.io/i.py | python3",
    ])
      expect(only(wf(`  a:\n    runs-on: x\n    steps:\n      - run: ${cmd}\n`), "remote-script-exec"), cmd).toHaveLength(1);
    const verified = wf(
      `  a:\n    runs-on: x\n    steps:\n      - run: |\n          curl -fsSLo i.sh https://x.io/i.sh\n          echo "abc  i.sh" | sha256sum -c\n          sh i.sh\n`,
    );
    expect(rules(verified)).toEqual([]);
    expect(rules(wf(`  a:\n    runs-on: x\n    steps:\n      - run: curl -s https://api.x.io/v1 | jq .name\n`))).toEqual([]);
  });
});

describe("self-hosted-pr", () => {
  it("flags self-hosted runners on pull-request triggers only", () => {
    const y = (on: string) =>
      `on: ${on}\npermissions: {}\njobs:\n  a:\n    runs-on: [self-hosted, linux]\n    steps: [{run: "true"}]\n`;
    expect(rules(y("pull_request"))).toEqual(["self-hosted-pr"]);
    expect(rules(y("push"))).toEqual([]);
  });
});

describe("scanner-fail-open", () => {
  it("flags scanners allowed to fail, not scanners in report-only mode", () => {
    const y = wf(`  scan:
    runs-on: x
    steps:
      - uses: aquasecurity/trivy-action@${SHA}
        continue-on-error: true
      - run: semgrep scan --sarif -o semgrep.sarif || true
      - run: trivy fs --exit-code 0 --format json -o trivy.json .
`);
    expect(only(y, "scanner-fail-open").map((x) => x.evidence)).toEqual([
      "aquasecurity/trivy-action continue-on-error: true",
      "semgrep || true",
    ]);
  });
});
