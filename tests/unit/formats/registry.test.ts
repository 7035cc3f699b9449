import { describe, expect, it } from "vitest";
import { DomainError } from "@/server/errors";
import { detectFormat, resolveRequestedFormats, SUPPORTED_FORMATS } from "@/server/ingest/detect";
import type { Document } from "@/server/ingest/types";

const ids = (requested: string) => resolveRequestedFormats(requested).map((f) => f.id);
const json = (value: unknown): Document => ({ type: "json", value });

/** The error `format=<requested>` raises for a document of no format, or undefined. */
function refusal(requested: string): unknown {
  try {
    detectFormat(json({ unrelated: true }), requested);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("format registry", () => {
  it("answers format=<id> with that format's parser for every supported id", () => {
    expect(SUPPORTED_FORMATS.length).toBeGreaterThan(30);
    for (const id of SUPPORTED_FORMATS) {
      const [module, ...rest] = resolveRequestedFormats(id);
      expect(rest, id).toEqual([]);
      expect(module?.id, id).toBe(id);
      expect(typeof module?.detect, id).toBe("function");
      expect(typeof module?.parse, id).toBe("function");
    }
  });

  it("refuses a foreign document named as any supported format with a 4xx, never a crash (a 500)", () => {
    for (const id of [...SUPPORTED_FORMATS, "trivy", "semgrep", "generic"]) {
      const e = refusal(id);
      expect(e, id).toBeInstanceOf(DomainError);
      expect((e as DomainError).code, id).toBe("unprocessable");
    }
  });

  it("lists every format once", () => {
    expect(new Set(SUPPORTED_FORMATS).size).toBe(SUPPORTED_FORMATS.length);
  });

  it("resolves the friendly names pipelines use, own formats first", () => {
    expect(ids("trivy")).toEqual(["trivy-json", "trivy-operator"]);
    expect(ids("grype")).toEqual(["grype-json"]);
    // Semgrep's own formats before SARIF, which Semgrep also writes: an ambiguous `[]` is Semgrep JSON.
    expect(ids("semgrep")).toEqual(["semgrep-json", "semgrep-app", "sarif"]);
    expect(ids("cyclonedx")).toEqual(["cyclonedx-json", "cyclonedx-xml"]);
    expect(ids("spdx")).toEqual(["spdx-json"]);
    expect(ids("zap")).toEqual(["zap-json", "zap-xml"]);
    expect(ids("dependency-check")).toEqual(["dependency-check-json", "dependency-check-xml"]);
    expect(ids("osv")).toEqual(["osv-scanner"]);
    expect(ids("npm-audit")).toEqual(["npm-audit"]);
    expect(ids("yarn")).toEqual(["yarn-audit"]);
    expect(ids("gitlab")).toEqual(["gitlab"]);
    expect(ids("generic")).toEqual(["gatehouse"]);
    expect(ids(" Trivy ")).toEqual(["trivy-json", "trivy-operator"]);
    expect(detectFormat(json([]), "semgrep").id).toBe("semgrep-json");
  });

  it("refuses an unknown format with 415 and the supported list", () => {
    const e = refusal("nessus") as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe("unsupported_media_type");
    expect(e.extra.supportedFormats).toEqual(SUPPORTED_FORMATS);
  });
});
