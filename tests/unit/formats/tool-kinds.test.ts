import { describe, expect, it } from "vitest";
import { kindForTool } from "@/server/ingest/formats/github-code-scanning";
import { classifyTool, EVIDENCE_OF_KIND, evidenceFor } from "@/server/ingest/formats/tool-kinds";
import { FINDING_KINDS } from "@/server/ingest/types";

describe("tool kinds: one table for SARIF runs and GitHub code-scanning alerts", () => {
  it.each([
    // names from the sample corpus
    ["Snyk Infrastructure as Code", "iac", ["iac"]],
    ["Snyk Container", "dependency", ["sca", "container"]],
    ["Snyk Open Source", "dependency", ["sca"]],
    ["Anchore Container Vulnerability Report (T0)", "dependency", ["sca", "container"]],
    ["OWASP Dependency-Track", "dependency", ["sca"]],
    ["osv-scanner", "dependency", ["sca"]],
    ["Gitleaks", "secret", ["secrets"]],
    ["mAPI", "dast", ["dast"]],
    ["Scorecard", "posture", ["posture"]],
    ["Dockle", "config", ["config"]],
    ["SnykCode", "code", ["sast"]],
    ["CodeQL command-line toolchain", "code", ["sast"]],
    ["Semgrep OSS", "code", ["sast"]],
    // names only one of the two former tables knew
    ["StackHawk", "dast", ["dast"]],
    ["kube-linter", "iac", ["iac"]],
    ["Mend", "dependency", ["sca"]],
    ["JFrog Xray", "dependency", ["sca"]],
    ["Semgrep Secrets", "secret", ["secrets"]],
    ["Dependency Check", "dependency", ["sca"]],
    ["Black Duck", "dependency", ["sca"]],
    ["govulncheck", "dependency", ["sca"]],
  ])("%s → %s", (name, kind, evidence) => {
    expect(classifyTool(name)).toEqual({ kind, evidence });
    // GitHub code scanning reads the same table (for a rule that names no vulnerability)
    expect(kindForTool(name, "")).toBe(kind);
  });

  it("knows nothing of an unknown tool; GitHub treats it as code", () => {
    expect(classifyTool("Example-Application")).toBeUndefined();
    expect(classifyTool(undefined)).toBeUndefined();
    expect(kindForTool("Rubocop", "Style/Foo")).toBe("code");
  });

  it("maps every finding kind to one evidence kind", () => {
    for (const k of FINDING_KINDS) expect(EVIDENCE_OF_KIND[k]).toBeDefined();
    expect(evidenceFor(["dependency", "license", "code", "dependency"])).toEqual(["sca", "sast"]);
    expect(evidenceFor([])).toEqual([]);
  });
});
