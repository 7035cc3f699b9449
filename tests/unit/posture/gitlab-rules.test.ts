// Gatehouse's .gitlab-ci.yml rules: what each flags and the safe look-alikes it leaves alone.
import { describe, expect, it } from "vitest";
import { parsePipeline } from "@/tests/helpers/pipeline-samples";

function check(yaml: string) {
  const report = parsePipeline(yaml, ".gitlab-ci.yml");
  expect(report.format).toBe("gitlab-ci");
  return report.parts.flatMap((p) =>
    p.findings.map((f) => ({
      rule: f.ruleId,
      severity: f.severity,
      job: f.properties?.job,
      evidence: String(f.properties?.evidence ?? ""),
    })),
  );
}
const only = (yaml: string, rule: string) => check(yaml).filter((f) => f.rule === rule);

describe("GitLab: images", () => {
  it("flags images by tag, resolving variables; mutable tags are medium; digests pass", () => {
    const y = `variables:\n  BASE: node:20\nimage: $BASE\nbuild:\n  image: alpine:latest\n  services: [docker:dind]\n  script: [make]\npinned:\n  image: alpine@sha256:${"c".repeat(64)}\n  script: [make]\nunknown:\n  image: $SOME_IMAGE\n  script: [make]\n`;
    expect(only(y, "image-unpinned").map((f) => [f.job, f.evidence, f.severity])).toEqual([
      [undefined, "node:20", "low"],
      ["build", "alpine:latest", "medium"],
      ["build", "docker:dind", "medium"],
    ]);
  });
  it("reports an image once, where it is defined, not in every job extending it", () => {
    const y = `.base:\n  image: ruby:3.3\na: {extends: .base, script: [rake]}\nb: {extends: .base, script: [rake]}\n`;
    expect(only(y, "image-unpinned").map((f) => f.job)).toEqual([".base"]);
  });
});

describe("GitLab: includes", () => {
  it("flags remote includes, projects on a branch and floating components; accepts SHAs, versions and templates", () => {
    const y = `include:
  - remote: https://example.com/ci.yml
  - project: acme/ci
    ref: main
    file: /x.yml
  - project: acme/ci
    ref: 8f4b7f84864484a7bf31766abe9204da3cbe65b3
    file: /y.yml
  - component: $CI_SERVER_FQDN/acme/comp/thing@~latest
  - component: $CI_SERVER_FQDN/acme/comp/other@1.2.0
  - template: Jobs/Build.gitlab-ci.yml
  - local: ci/local.yml
job: {script: [make]}
`;
    expect(only(y, "include-unpinned").map((f) => f.evidence)).toEqual([
      "remote: https://example.com/ci.yml",
      "project: acme/ci@main",
      "component: $CI_SERVER_FQDN/acme/comp/thing@~latest",
    ]);
  });
});

describe("GitLab: scripts", () => {
  it("flags curl|sh, not a download piped into a parser", () => {
    expect(only(`j:\n  script:\n    - curl -sSL https://x.io/install.sh | bash\n`, "remote-script-exec")).toHaveLength(1);
    expect(only(`j:\n  script:\n    - curl -s https://api.x.io | jq -r .tag\n`, "remote-script-exec")).toHaveLength(0);
  });
  it("flags untrusted predefined variables only where the shell re-parses them", () => {
    expect(only(`j:\n  script:\n    - eval "echo $CI_COMMIT_MESSAGE"\n`, "script-injection")).toHaveLength(1);
    expect(only(`j:\n  script:\n    - sh -c "git tag $CI_MERGE_REQUEST_TITLE"\n`, "script-injection")).toHaveLength(1);
    // A plain expansion is data to the shell: the safe pattern.
    expect(only(`j:\n  script:\n    - echo "$CI_COMMIT_MESSAGE" > msg.txt\n`, "script-injection")).toHaveLength(0);
  });
  it("flags secrets printed, written to files or put on command lines; not secrets fed on stdin", () => {
    const f = (line: string) =>
      only(`j:\n  script:\n    - ${JSON.stringify(line)}\n`, "secret-exposed").map((x) => [x.evidence, x.severity]);
    expect(f("echo $DEPLOY_TOKEN")).toEqual([["printed $DEPLOY_TOKEN", "medium"]]);
    expect(f('echo "key = ${AWS_SECRET_ACCESS_KEY}" >> ~/.s3cfg')).toEqual([["written $AWS_SECRET_ACCESS_KEY", "low"]]);
    expect(f("curl --form token=$SCAN_TOKEN https://scan.example.com")).toEqual([["argument $SCAN_TOKEN", "low"]]);
    expect(f("echo $CI_JOB_TOKEN | docker login -u gitlab-ci-token --password-stdin registry.gitlab.com")).toEqual([]);
    expect(f("echo $TOKEN_FILE")).toEqual([]);
  });
  it("resolves !reference lists and nested script arrays", () => {
    const y = `.setup:\n  script:\n    - curl -fsSL https://x.io/i.sh | sh\njob:\n  script:\n    - !reference [.setup, script]\n    - [make, make test]\n`;
    // The template's own definition is where the line is.
    expect(only(y, "remote-script-exec").map((f) => f.job)).toEqual([".setup"]);
  });
});

describe("GitLab: scanners allowed to fail", () => {
  it("flags included security templates unless a job turns allow_failure off", () => {
    const inc = `include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Jobs/Secret-Detection.gitlab-ci.yml\nbuild: {script: [make]}\n`;
    expect(only(inc, "scanner-fail-open").map((f) => f.job)).toEqual([
      "Security/SAST.gitlab-ci.yml",
      "Jobs/Secret-Detection.gitlab-ci.yml",
    ]);
    const hardened = `include:\n  - template: Security/SAST.gitlab-ci.yml\nsemgrep-sast:\n  allow_failure: false\nbuild: {script: [make]}\n`;
    expect(only(hardened, "scanner-fail-open")).toEqual([]);
  });
  it("flags scanner jobs with allow_failure and scanner commands swallowed with || true", () => {
    const y = `trivy:\n  allow_failure: true\n  script: [trivy image --format json -o t.json app:1]\naudit:\n  script: [npm audit --json > a.json || true]\nreport:\n  script: [trivy fs --exit-code 0 -f json -o t.json .]\n`;
    expect(only(y, "scanner-fail-open").map((f) => f.evidence)).toEqual(["trivy allow_failure: true", "npm || true"]);
  });
});

describe("GitLab: detection", () => {
  it("reads a pipeline with a spec header document, and refuses YAML that is no pipeline", () => {
    const y = `spec:\n  inputs:\n    stage: {default: test}\n---\nscan:\n  stage: $[[ inputs.stage ]]\n  script: [make]\n`;
    expect(parsePipeline(y, "templates/scan.yml").format).toBe("gitlab-ci");
    expect(() => parsePipeline("name: not a pipeline\nversion: 3\n")).toThrow(/YAML is read only as a pipeline definition/);
  });
});
