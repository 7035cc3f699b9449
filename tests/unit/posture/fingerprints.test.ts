// Fingerprints of pipeline findings survive edits that do not touch the offending place.
import { describe, expect, it } from "vitest";
import { normalizedFindings, parsePipeline, pipelineManifest, pipelineSampleText } from "@/tests/helpers/pipeline-samples";

const fingerprints = (yaml: string, path = ".github/workflows/ci.yml") =>
  normalizedFindings(parsePipeline(yaml, path))
    .map((f) => `${f.ruleId} ${f.fingerprint}`)
    .sort();

const BASE = `name: ci
on: [push, issues]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Greet
        run: echo "\${{ github.event.issue.title }}"
      - run: curl -fsSL https://get.example.sh | sh
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: docker/login-action@v3
        with:
          password: \${{ secrets.REGISTRY_TOKEN }}
      - run: kubectl apply -f k8s/
`;

describe("pipeline finding fingerprints", () => {
  const before = fingerprints(BASE);

  it("cover every rule the base workflow breaks", () => {
    expect(before.map((f) => f.split(" ")[0])).toEqual(
      expect.arrayContaining([
        "action-unpinned",
        "script-injection",
        "remote-script-exec",
        "gate-missing",
        "deploy-unrecorded",
        "permissions-default",
        "secret-unpinned-action",
      ]),
    );
  });

  it("do not change when jobs are reordered, comments and unrelated steps are added and lines shift", () => {
    const edited = `# A comment that shifts every line.

name: ci
on: [push, issues]
jobs:
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "an unrelated first step"
      - uses: docker/login-action@v3
        with:
          password: \${{ secrets.REGISTRY_TOKEN }}
      # roll out
      - run: kubectl apply -f k8s/
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: npm run lint
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
      - name: Setup
        run: echo setup
      - name: Greet
        run: echo "\${{ github.event.issue.title }}"
      - run: curl -fsSL https://get.example.sh | sh
`;
    expect(fingerprints(edited)).toEqual(before);
  });

  it("change when the offending expression changes", () => {
    const bumped = fingerprints(BASE.replace("actions/checkout@v4", "actions/checkout@v5"));
    expect(bumped.filter((f) => f.startsWith("action-unpinned"))).not.toEqual(
      before.filter((f) => f.startsWith("action-unpinned")),
    );
  });

  it("keep every finding of a real workflow when its lines shift", () => {
    const row = pipelineManifest().find((r) => r.file.includes("MaxWinterstein"))!;
    const text = pipelineSampleText(row.file);
    const shifted = `# header\n# another\n\n${text.replace(/\n(\s+)- name:/, "\n$1# a note\n$1- name:")}`;
    expect(fingerprints(shifted, row.path)).toEqual(fingerprints(text, row.path));
  });
});
