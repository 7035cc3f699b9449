// Every file in ../shared/pipeline-samples, judged against what its MANIFEST.tsv says a careful reviewer finds.
import { describe, expect, it } from "vitest";
import type { RawFinding } from "@/server/ingest/types";
import {
  goSnaps,
  instaBody,
  parsePipeline,
  pipelineManifest,
  pipelineSampleText,
  type PipelineManifestRow,
} from "@/tests/helpers/pipeline-samples";

const MEDIUM_OR_HIGHER = new Set(["medium", "high", "critical"]);

type Expectation = { rule: string; evidence?: string; severity?: string; what: string };

/** What the manifest's `expected` column names, as Gatehouse rule expectations. */
export function expectationsOf(expected: string): Expectation[] {
  const out: Expectation[] = [];
  for (const m of expected.matchAll(/unpinned\((3rd|1st)-party[^)]*\):([^;"]+)/g)) {
    for (const item of m[2]!
      .split(",")
      .map((s) => s.replace(/\s*\(.*$/, "").trim())
      .filter(Boolean))
      out.push({
        rule: "action-unpinned",
        evidence: item,
        severity: m[1] === "1st" ? "low" : "medium",
        what: `unpinned ${item}`,
      });
  }
  for (const m of expected.matchAll(/injection(?:-pattern)?:((?:github|inputs)\.[\w.]+)/g))
    out.push({ rule: "script-injection", evidence: m[1]!, what: `injection of ${m[1]}` });
  if (/no permissions block/.test(expected)) out.push({ rule: "permissions-default", what: "no permissions block" });
  if (/permissions: write-all/.test(expected)) out.push({ rule: "permissions-write-all", what: "permissions: write-all" });
  if (/excessive permissions: top-level/.test(expected))
    out.push({ rule: "permissions-broad", what: "top-level write permissions" });
  if (/pull_request_target \+ actions\/checkout|workflow_run artifact poisoning/.test(expected))
    out.push({ rule: "untrusted-checkout", what: "privileged checkout of the PR" });
  if (/secret expanded inline in run/.test(expected)) out.push({ rule: "secret-exposed", what: "secret inline in run" });
  return out;
}

function matches(f: RawFinding, e: Expectation): boolean {
  if (f.ruleId !== e.rule) return false;
  if (e.severity && f.severity !== e.severity) return false;
  const evidence = String(f.properties?.evidence ?? "");
  return e.evidence === undefined || evidence === e.evidence || evidence.includes(e.evidence);
}

const rows = pipelineManifest();
const workflows = (category: string) => rows.filter((r) => r.category === category);
const findingsOf = (r: PipelineManifestRow) => parsePipeline(pipelineSampleText(r.file), r.path).parts.flatMap((p) => p.findings);

describe("pipeline samples: GitHub Actions with real problems", () => {
  it("covers every vulnerable workflow of the manifest", () => {
    expect(workflows("gha-vulnerable").length).toBeGreaterThanOrEqual(15);
  });

  it.each(workflows("gha-vulnerable").map((r) => [r.file, r] as const))("%s: the reviewer's findings appear", (_f, row) => {
    const report = parsePipeline(pipelineSampleText(row.file), row.path);
    expect(report.format).toBe("github-actions");
    expect(report.evidence).toEqual(["posture"]);
    const findings = report.parts.flatMap((p) => p.findings);
    const expected = expectationsOf(row.expected);
    expect(expected.length, row.expected).toBeGreaterThan(0);
    const missing = expected.filter((e) => !findings.some((f) => matches(f, e))).map((e) => e.what);
    expect(missing).toEqual([]);
    for (const f of findings) {
      expect(f.kind).toBe("posture");
      expect(f.location?.file).toBe(row.path);
      expect(f.remediation).toBeTruthy();
    }
  });

  it("tells first-party from third-party actions and the pwn request from a pull_request checkout", () => {
    const nilearn = findingsOf(workflows("gha-vulnerable").find((r) => r.file.includes("nilearn"))!);
    // nilearn checks out the PR head under pull_request (no secrets, read-only token): not a pwn request.
    expect(nilearn.filter((f) => f.ruleId === "untrusted-checkout")).toEqual([]);
    const gemini = findingsOf(workflows("gha-vulnerable").find((r) => r.file.includes("gemini"))!);
    // Every action there is SHA-pinned.
    expect(gemini.filter((f) => f.ruleId === "action-unpinned")).toEqual([]);
    expect(gemini.filter((f) => f.ruleId === "untrusted-checkout").map((f) => f.properties?.job)).toEqual([
      "e2e_linux",
      "e2e_mac",
      "e2e_windows",
      "evals",
    ]);
  });
});

describe("pipeline samples: hardened GitHub Actions workflows", () => {
  it.each(workflows("gha-clean").map((r) => [r.file, r] as const))("%s: nothing medium or higher", (_f, row) => {
    const findings = findingsOf(row);
    expect(findings.filter((f) => MEDIUM_OR_HIGHER.has(f.severity)).map((f) => `${f.ruleId}: ${f.description}`)).toEqual([]);
  });
});

describe("pipeline samples: .gitlab-ci.yml of real projects", () => {
  it.each(workflows("gitlab").map((r) => [r.file, r] as const))("%s is read as gitlab-ci", (_f, row) => {
    const report = parsePipeline(pipelineSampleText(row.file), row.path);
    expect(report.format).toBe("gitlab-ci");
    expect(report.evidence).toEqual(["posture"]);
  });

  it("finds what the reviewer found in them", () => {
    const by = (name: string) => findingsOf(workflows("gitlab").find((r) => r.file.includes(name))!);
    const shell = by("gitlab-shell");
    // Security templates keep their allow_failure: true.
    expect(shell.filter((f) => f.ruleId === "scanner-fail-open").map((f) => f.properties?.job)).toEqual([
      "Security/SAST.gitlab-ci.yml",
      "Security/Dependency-Scanning.gitlab-ci.yml",
      "Security/Secret-Detection.gitlab-ci.yml",
    ]);
    expect(
      shell.some(
        (f) =>
          f.ruleId === "image-unpinned" &&
          f.properties?.evidence === "registry.gitlab.com/gitlab-org/build/cng/gitaly:master" &&
          f.severity === "medium",
      ),
    ).toBe(true);
    // Components pinned to versions are fine.
    expect(shell.filter((f) => f.ruleId === "include-unpinned")).toEqual([]);

    const openmw = by("openmw");
    expect(
      openmw.some((f) => f.ruleId === "secret-exposed" && /AWS_SECRET_ACCESS_KEY/.test(String(f.properties?.evidence))),
    ).toBe(true);
    expect(openmw.some((f) => f.ruleId === "secret-exposed" && /COVERITY_SCAN_TOKEN/.test(String(f.properties?.evidence)))).toBe(
      true,
    );
    expect(openmw.some((f) => f.ruleId === "image-unpinned" && f.properties?.evidence === "psi29a/android-ndk:focal-ndk22")).toBe(
      true,
    );

    const fdroid = by("fdroid");
    for (const img of ["ubuntu:latest", "alpine:latest", "debian:testing", "docker:dind"])
      expect(
        fdroid.some((f) => f.ruleId === "image-unpinned" && f.properties?.evidence === img && f.severity === "medium"),
        img,
      ).toBe(true);
    // CI_JOB_TOKEN fed on stdin is the safe pattern; the report-only pip-audit pass is followed by a blocking one.
    expect(fdroid.filter((f) => f.ruleId === "secret-exposed" && /CI_JOB_TOKEN/.test(String(f.properties?.evidence)))).toEqual(
      [],
    );
    expect(fdroid.filter((f) => f.ruleId === "scanner-fail-open")).toEqual([]);

    const gnutls = by("gnutls");
    expect(gnutls.some((f) => f.ruleId === "image-unpinned" && /buildenv-fedora43$/.test(String(f.properties?.evidence)))).toBe(
      true,
    );
    const dav1d = by("dav1d");
    expect(dav1d.filter((f) => f.ruleId === "image-unpinned").length).toBeGreaterThan(0);
    expect(dav1d.filter((f) => MEDIUM_OR_HIGHER.has(f.severity))).toEqual([]);
  });
});

describe("pipeline samples: zizmor and poutine outputs", () => {
  const tool = (category: string) => workflows(category);

  it("reads zizmor's JSON and SARIF snapshots as the tool wrote them", () => {
    const counts: Record<string, number> = {};
    for (const row of tool("zizmor")) {
      const body = instaBody(pipelineSampleText(row.file));
      if (/plain-text/.test(row.expected)) {
        // The human-readable output is refused with a pointer to the machine formats.
        expect(() => parsePipeline(body)).toThrow(/--format=sarif/);
        continue;
      }
      const report = parsePipeline(body);
      expect(report.format).toBe("zizmor");
      expect(report.evidence).toEqual(["posture"]);
      counts[row.file] = report.parts.reduce((n, p) => n + p.findings.length, 0);
      const stated = /(\d+) (?:finding|result)s?\b/.exec(row.expected);
      if (stated) expect(counts[row.file], row.file).toBe(Number(stated[1]));
    }
    expect(Object.keys(counts)).toHaveLength(3);
  });

  it("reads both poutine JSON snapshots", () => {
    for (const row of tool("poutine")) {
      const snaps = goSnaps(pipelineSampleText(row.file));
      expect(snaps.size).toBe(2);
      for (const [name, body] of snaps) {
        const report = parsePipeline(body);
        expect(report.format).toBe("poutine");
        const n = report.parts.reduce((k, p) => k + p.findings.length, 0);
        const stated = new RegExp(`\\[${name.replace(/ - \d+$/, "")}\\] (\\d+) findings`).exec(row.expected);
        expect(stated, name).not.toBeNull();
        expect(n).toBe(Number(stated![1]));
      }
    }
  });

  it("leaves OpenSSF Scorecard files to the scorecard and SARIF formats", () => {
    for (const row of tool("scorecard")) {
      const report = parsePipeline(pipelineSampleText(row.file));
      expect(["scorecard", "sarif"]).toContain(report.format);
      expect(report.evidence).toContain("posture");
    }
  });
});
