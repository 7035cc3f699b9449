// normalizeReport builds each finding as one object literal (server/ingest/normalize.ts, normalizedFinding): it must
// still carry every field the format parser set, and nothing for the fields the parser left out.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { normalizeReport } from "@/server/ingest/normalize";
import type { ParsedReport, RawFinding } from "@/server/ingest/types";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

const report = (findings: RawFinding[]): ParsedReport => ({
  format: "trivy-json",
  tool: { name: "Trivy", version: "0.50.0" },
  parts: [{ tool: { name: "Trivy" }, succeeded: true, findings }],
  evidence: [],
  warnings: [],
});

const full: Required<RawFinding> = {
  kind: "dependency",
  ruleId: "CVE-2024-0001",
  title: "lodash: prototype pollution",
  description: "A crafted object pollutes Object.prototype.",
  severity: "high",
  severityDefaulted: false,
  vulnerabilityId: "CVE-2024-0001",
  aliases: ["GHSA-aaaa-bbbb-cccc"],
  cwes: [1321],
  cvss: { score: 7.5, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", version: "3.1" },
  package: { purl: "pkg:npm/lodash@4.17.20", ecosystem: "npm", name: "lodash", version: "4.17.20", fixedVersions: ["4.17.21"] },
  location: { file: "package-lock.json", startLine: 12, endLine: 14, image: "ghcr.io/acme/api:1.0" },
  secret: { hash: "f".repeat(64), preview: "AKIA…XXXX" },
  toolFingerprint: "tool-fp-1",
  remediation: "Upgrade lodash to 4.17.21.",
  references: ["https://nvd.nist.gov/vuln/detail/CVE-2024-0001"],
  suppressed: true,
  properties: { status: "fixed", layer: 3, direct: false },
};

describe("normalizeReport", () => {
  it("keeps every field of a finding that sets them all, the same values, and adds its identity", () => {
    const [part] = normalizeReport(report([full]), sha256);
    const [f] = part!.findings;
    expect(Object.keys(f!).sort()).toEqual(
      [...Object.keys(full), "fingerprint", "riskArea", "severityRank", "tool", "category", "occurrences"].sort(),
    );
    for (const key of Object.keys(full) as (keyof RawFinding)[]) expect(f![key], key).toBe(full[key]);
    expect(f).toMatchObject({ tool: "trivy", category: "", occurrences: 1, severityRank: 4, riskArea: 3 });
    expect(f!.fingerprint).toMatch(/^[0-9a-f]{40}$/);
  });

  it("writes nothing for the fields a parser left out: the stored and sent shape is unchanged", () => {
    const minimal: RawFinding = { kind: "code", ruleId: "js/xss", title: "XSS", severity: "medium", aliases: [], cwes: [79] };
    const [part] = normalizeReport(report([minimal]), sha256);
    const [f] = part!.findings;
    for (const key of ["description", "cvss", "package", "location", "secret", "references", "properties"] as const)
      expect(f![key], key).toBeUndefined();
    expect(JSON.parse(JSON.stringify(f))).toEqual({
      ...minimal,
      fingerprint: f!.fingerprint,
      riskArea: f!.riskArea,
      severityRank: 3,
      tool: "trivy",
      category: "",
      occurrences: 1,
    });
  });

  it("still folds the same finding listed twice into one, the highest severity and both counted", () => {
    const [part] = normalizeReport(report([full, { ...full, severity: "critical", suppressed: false }]), sha256);
    expect(part!.findings).toHaveLength(1);
    expect(part!.findings[0]).toMatchObject({ severity: "critical", severityRank: 5, occurrences: 2, suppressed: false });
  });
});
