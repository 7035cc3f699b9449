// The GitHub action and GitLab template of integrations/: Gatehouse's own pipeline checks accept them as they are,
// and recognise pipelines that use them as gate calls and deploy records.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePipeline } from "@/tests/helpers/pipeline-samples";

const root = path.resolve(import.meta.dirname, "../../..");
const ACTION = "integrations/github/action.yml";
const TEMPLATE = "integrations/gitlab/gatehouse.yml";
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
const SHA = "0123456789abcdef0123456789abcdef01234567";

function findings(text: string, sourcePath: string) {
  const report = parsePipeline(text, sourcePath);
  return report.parts
    .flatMap((p) => p.findings)
    .map((f) => ({ rule: f.ruleId, wiring: f.properties?.gateWiring === true, severity: f.severity }));
}
const wiringRules = (text: string, sourcePath: string) =>
  findings(text, sourcePath)
    .filter((f) => f.wiring)
    .map((f) => f.rule)
    .sort();

describe("integrations/github/action.yml", () => {
  it("is read as a GitHub action definition and has no findings at all", () => {
    expect(parsePipeline(read(ACTION), ACTION).format).toBe("github-actions");
    expect(findings(read(ACTION), ACTION)).toEqual([]);
  });

  it("expands no expression into a script: every input reaches run: through env:", () => {
    const text = read(ACTION);
    const runs = [...text.matchAll(/^ {6}run: \|\n((?: {8}.*\n|\n)+)/gm)].map((m) => m[1]!);
    expect(runs).toHaveLength(2);
    for (const r of runs) expect(r).not.toContain("${{");
  });

  it("a workflow that gates and records with the action passes; without the gate step it is gate-missing", () => {
    const uses = `acme/gatehouse/integrations/github@${SHA}`;
    const step = (command: string) =>
      `      - uses: ${uses}\n        with:\n          command: ${command}\n          stage: production\n          token: \${{ secrets.GATEHOUSE_TOKEN }}\n`;
    const wf = (steps: string) =>
      `name: ship\non: push\npermissions: {}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n${steps}`;
    const deploy = `      - run: kubectl apply -f k8s/\n`;
    expect(wiringRules(wf(step("gate") + deploy + step("deploy")), ".github/workflows/ship.yml")).toEqual([]);
    expect(wiringRules(wf(deploy + step("deploy")), ".github/workflows/ship.yml")).toEqual(["gate-missing"]);
    expect(wiringRules(wf(step("gate") + deploy), ".github/workflows/ship.yml")).toEqual(["deploy-unrecorded"]);
    // fail-open: true on the action is the client's --fail-open.
    const open = step("gate").replace("stage: production\n", "stage: production\n          fail-open: true\n");
    expect(wiringRules(wf(open + deploy + step("deploy")), ".github/workflows/ship.yml")).toEqual(["gate-fail-open"]);
  });
});

describe("integrations/gitlab/gatehouse.yml", () => {
  it("is read as GitLab CI and has no findings at all", () => {
    expect(parsePipeline(read(TEMPLATE), ".gitlab-ci.yml").format).toBe("gitlab-ci");
    expect(findings(read(TEMPLATE), ".gitlab-ci.yml")).toEqual([]);
  });

  const jobs = (gate: boolean) =>
    `stages: [build, production]\n` +
    (gate
      ? `gate-production:\n  extends: .gatehouse-gate\n  stage: production\n  variables: { GATEHOUSE_STAGE: production }\n`
      : "") +
    `deploy-production:\n  stage: production\n  environment: production\n` +
    (gate ? `  needs: [gate-production]\n` : "") +
    `  script: [./deploy.sh]\n` +
    `record-production:\n  extends: .gatehouse-deploy\n  stage: production\n  needs: [deploy-production]\n  variables: { GATEHOUSE_STAGE: production }\n`;

  it("jobs extending .gatehouse-gate and .gatehouse-deploy are the gate and the record (the template included)", () => {
    const included = `include:\n  - remote: https://gatehouse.example.com/raw/${SHA}/integrations/gitlab/gatehouse.yml\n${jobs(true)}`;
    expect(wiringRules(included, ".gitlab-ci.yml")).toEqual([]);
    expect(wiringRules(`include:\n  - remote: https://x.example/${SHA}/gatehouse.yml\n${jobs(false)}`, ".gitlab-ci.yml")).toEqual(
      ["gate-missing"],
    );
  });

  it("the same with the template pasted into the file: its scripts are not taken for a gate that fails open", () => {
    const pasted = `${read(TEMPLATE)}\n${jobs(true)}`;
    expect(findings(pasted, ".gitlab-ci.yml")).toEqual([]);
    expect(wiringRules(`${read(TEMPLATE)}\n${jobs(false)}`, ".gitlab-ci.yml")).toEqual(["gate-missing"]);
  });
});

describe("the README's examples of the action and the template", () => {
  const readme = read("README.md");
  const example = (heading: string) => {
    const section = readme.slice(readme.indexOf(heading));
    const m = /```yaml\n([\s\S]*?)```/.exec(section);
    if (!m) throw new Error(`README: no yaml example under ${heading}`);
    return m[1]!;
  };

  it("have their gate and deploy record recognised: no gate-wiring finding", () => {
    const gh = example("### In GitHub Actions: the Gatehouse action");
    expect(gh).toContain("command: gate");
    expect(wiringRules(`name: ship\non: push\n${gh}`, ".github/workflows/ship.yml")).toEqual([]);
    // Without the gate step, the same workflow deploys ungated.
    const ungated = gh.replace(/ {6}- id: gate\n(?: {8}.*\n)+/, "");
    expect(ungated).not.toContain("command: gate");
    expect(wiringRules(`name: ship\non: push\n${ungated}`, ".github/workflows/ship.yml")).toEqual(["gate-missing"]);

    const gl = example("### In GitLab CI: the Gatehouse template");
    expect(gl).toContain("extends: .gatehouse-gate");
    expect(wiringRules(gl, ".gitlab-ci.yml")).toEqual([]);
    expect(wiringRules(gl.replace("extends: .gatehouse-gate", "script: [echo]"), ".gitlab-ci.yml")).toEqual(["gate-missing"]);
  });
});
