// Gate wiring on GitHub Actions and GitLab CI: is the gate really between the build and the deploy?
import { describe, expect, it } from "vitest";
import { parsePipeline } from "@/tests/helpers/pipeline-samples";

const SHA = "8f4b7f84864484a7bf31766abe9204da3cbe65b3";

function wiring(yaml: string, path = ".github/workflows/ship.yml") {
  return parsePipeline(yaml, path)
    .parts.flatMap((p) => p.findings)
    .filter((f) => f.properties?.gateWiring === true)
    .map((f) => ({
      rule: f.ruleId,
      severity: f.severity,
      job: f.properties?.job,
      step: f.properties?.step,
      evidence: String(f.properties?.evidence),
      message: f.description ?? "",
    }));
}
const ruleIds = (yaml: string, path?: string) =>
  wiring(yaml, path)
    .map((f) => f.rule)
    .sort();

const gh = (jobs: string) => `name: ship\non: push\npermissions: {}\njobs:\n${jobs}`;
const GATE = "node .ci/gatehouse.mjs gate --service api --stage production";
const RECORD = "node .ci/gatehouse.mjs deploy --service api --stage production";

describe("GitHub Actions: deploys and the gate", () => {
  it("flags a kubectl deploy with no gate call, names the job and step, and asks for a deploy record", () => {
    const f = wiring(
      gh(
        `  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - name: Roll out\n        run: kubectl set image deploy/api api=registry/api@sha256:abc\n`,
      ),
    );
    expect(f.map((x) => x.rule).sort()).toEqual(["deploy-unrecorded", "gate-missing"]);
    const missing = f.find((x) => x.rule === "gate-missing")!;
    expect(missing.severity).toBe("high");
    expect(missing.job).toBe("deploy");
    expect(missing.message).toMatch(/job deploy deploys for stage production/);
  });

  it("accepts a gate step before the deploy in the same job, and a record after it", () => {
    expect(
      ruleIds(
        gh(
          `  deploy:\n    runs-on: x\n    steps:\n      - run: ${GATE}\n      - run: helm upgrade --install api ./chart\n      - run: ${RECORD}\n`,
        ),
      ),
    ).toEqual([]);
  });

  it("accepts the gate in a job the deploy job needs (transitively), and the HTTP API and composite action as gate calls", () => {
    const viaNeeds = gh(
      `  gate:\n    runs-on: x\n    steps:\n      - run: ${GATE}\n  build:\n    needs: gate\n    runs-on: x\n    steps: [{run: make}]\n  deploy:\n    needs: [build]\n    runs-on: x\n    environment: prod\n    steps:\n      - run: terraform apply -auto-approve\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(viaNeeds)).toEqual([]);
    const http = gh(
      `  deploy:\n    runs-on: x\n    steps:\n      - run: |\n          curl -fsS -X POST "$GATEHOUSE_URL/api/v1/gate" -H "authorization: Bearer $T" -d '{"service":"api","stage":"production","commit":"'$GITHUB_SHA'"}'\n          flyctl deploy --remote-only\n          curl -fsS -X POST "$GATEHOUSE_URL/api/v1/deployments" -d @d.json\n`,
    );
    expect(ruleIds(http)).toEqual([]);
    const action = gh(
      `  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - uses: acme/gatehouse/integrations/github@${SHA}\n        with: {command: gate, stage: production}\n      - uses: azure/webapps-deploy@${SHA}\n      - uses: acme/gatehouse/integrations/github@${SHA}\n        with: {command: deploy, stage: production}\n`,
    );
    expect(ruleIds(action)).toEqual([]);
    // The same action from a repository with another name: the path integrations/github identifies it.
    expect(ruleIds(action.replaceAll("acme/gatehouse/integrations/github", "acme/security-gate/integrations/github"))).toEqual(
      [],
    );
  });

  it("needs the gate for the deploy's own stage, and before the deploy (not after it, nor in a parallel job)", () => {
    const wrongStage = gh(
      `  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - run: node .ci/gatehouse.mjs gate --stage test\n      - run: kubectl apply -f k8s/\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(wrongStage)).toEqual(["gate-missing"]);
    const after = gh(
      `  deploy:\n    runs-on: x\n    steps:\n      - run: kubectl apply -f k8s/\n      - run: ${GATE}\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(after)).toEqual(["gate-missing"]);
    const parallel = gh(
      `  gate:\n    runs-on: x\n    steps: [{run: "${GATE}"}]\n  deploy:\n    runs-on: x\n    steps:\n      - run: kubectl apply -f k8s/\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(parallel)).toEqual(["gate-missing"]);
  });

  it("flags gate calls that cannot fail the job, and deploys that run whatever the gate said", () => {
    const cases: [string, string][] = [
      [`      - run: ${GATE}\n        continue-on-error: true\n`, "continue-on-error: true"],
      [`      - run: ${GATE} || true\n`, "|| true"],
      [`      - run: ${GATE} --fail-open\n`, "--fail-open"],
      [`      - run: |\n          set +e\n          ${GATE}\n          echo done\n`, "set +e"],
    ];
    for (const [gate, why] of cases) {
      const f = wiring(
        gh(`  deploy:\n    runs-on: x\n    steps:\n${gate}      - run: kubectl apply -f k8s/\n      - run: ${RECORD}\n`),
      );
      expect(
        f.map((x) => x.rule),
        why,
      ).toEqual(["gate-fail-open"]);
      expect(f[0]!.evidence, why).toContain(why);
      expect(f[0]!.severity).toBe(why === "--fail-open" ? "medium" : "high");
    }
    const always = gh(
      `  gate:\n    runs-on: x\n    steps: [{run: "${GATE}"}]\n  deploy:\n    needs: gate\n    if: always()\n    runs-on: x\n    steps:\n      - run: kubectl apply -f k8s/\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(always)).toEqual(["gate-fail-open"]);
  });

  it("leaves safe look-alikes alone: a checked gate after set +e, a block turned into exit 1, non-deploy environments", () => {
    const checked = gh(
      `  deploy:\n    runs-on: x\n    steps:\n      - run: |\n          set +e\n          ${GATE}\n          rc=$?\n          exit $rc\n      - run: kubectl apply -f k8s/\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(checked)).toEqual([]);
    const explicit = gh(
      `  deploy:\n    runs-on: x\n    steps:\n      - run: ${GATE} || { echo blocked; exit 1; }\n      - run: kubectl apply -f k8s/\n      - run: ${RECORD}\n`,
    );
    expect(ruleIds(explicit)).toEqual([]);
    const pypi = gh(`  release:\n    runs-on: x\n    environment:\n      name: pypi\n    steps: [{run: "uv publish"}]\n`);
    expect(ruleIds(pypi)).toEqual([]);
    expect(ruleIds(gh(`  d:\n    runs-on: x\n    steps:\n      - run: kubectl get pods && helm list\n`))).toEqual([]);
  });

  it("honours the documented marker comment for deploys it cannot recognise", () => {
    const marked = gh(
      `  ship:\n    runs-on: x\n    steps:\n      # gatehouse: deploy production\n      - name: Push to the fleet\n        run: ./scripts/rollout.sh\n`,
    );
    expect(wiring(marked).map((x) => [x.rule, x.step])).toEqual([
      ["gate-missing", "name:Push to the fleet"],
      ["deploy-unrecorded", "name:Push to the fleet"],
    ]);
    const markedJob = gh(
      `  # gatehouse: deploy staging\n  ship:\n    runs-on: x\n    steps:\n      - run: node .ci/gatehouse.mjs gate --stage staging\n      - run: ./scripts/rollout.sh\n      - run: node .ci/gatehouse.mjs deploy --stage staging\n`,
    );
    expect(ruleIds(markedJob)).toEqual([]);
  });
});

const gl = (body: string) => `stages: [build, gate, deploy]\n${body}`;

describe("GitLab CI: deploys and the gate", () => {
  it("flags an environment job without a gate, and accepts a gate job in an earlier stage", () => {
    const bare = gl(`deploy:\n  stage: deploy\n  environment: production\n  script: [./deploy.sh]\n`);
    expect(ruleIds(bare, ".gitlab-ci.yml")).toEqual(["deploy-unrecorded", "gate-missing"]);
    const gated = gl(
      `gate:\n  stage: gate\n  script: [node gatehouse.mjs gate --stage production]\ndeploy:\n  stage: deploy\n  environment: {name: production}\n  script:\n    - ./deploy.sh\n    - node gatehouse.mjs deploy --stage production\n`,
    );
    expect(ruleIds(gated, ".gitlab-ci.yml")).toEqual([]);
  });

  it("follows needs: a deploy that needs only the build skips the gate stage", () => {
    const y = gl(
      `build: {stage: build, script: [make]}\ngate: {stage: gate, script: [gatehouse gate --stage production]}\ndeploy:\n  stage: deploy\n  needs: [build]\n  environment: production\n  script: [kubectl apply -f k8s, gatehouse deploy --stage production]\n`,
    );
    expect(ruleIds(y, ".gitlab-ci.yml")).toEqual(["gate-missing"]);
  });

  it("flags allow_failure on the gate job, when: always on the deploy, and resolves extends", () => {
    const allow = gl(
      `gate: {stage: gate, allow_failure: true, script: [gatehouse gate --stage production]}\ndeploy: {stage: deploy, environment: production, script: [./d.sh, gatehouse deploy --stage production]}\n`,
    );
    expect(ruleIds(allow, ".gitlab-ci.yml")).toEqual(["gate-fail-open"]);
    const always = gl(
      `gate: {stage: gate, script: [gatehouse gate --stage production]}\ndeploy: {stage: deploy, when: always, environment: production, script: [./d.sh, gatehouse deploy --stage production]}\n`,
    );
    expect(ruleIds(always, ".gitlab-ci.yml")).toEqual(["gate-fail-open"]);
    const ext = gl(
      `.gate:\n  stage: gate\n  script: [gatehouse gate --stage production]\n  allow_failure: true\ngate-prod:\n  extends: .gate\ndeploy: {stage: deploy, environment: production, script: [./d.sh, gatehouse deploy --stage production]}\n`,
    );
    expect(ruleIds(ext, ".gitlab-ci.yml")).toEqual(["gate-fail-open"]);
  });

  it("does not count environments that only stop or prepare", () => {
    const stop = gl(
      `stop_review:\n  stage: deploy\n  environment: {name: review/$CI_COMMIT_REF_SLUG, action: stop}\n  script: [./teardown.sh]\n`,
    );
    expect(ruleIds(stop, ".gitlab-ci.yml")).toEqual([]);
  });
});
