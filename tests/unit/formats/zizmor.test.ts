// zizmor JSON (json-v1) and SARIF, from zizmor's own test snapshots in ../shared/pipeline-samples/zizmor.
import { describe, expect, it } from "vitest";
import { decodeDocument } from "@/server/ingest/decode";
import { zizmorFormat } from "@/server/ingest/formats/zizmor";
import { describeFormatContract } from "@/tests/helpers/format-contract";
import { instaBody, normalizedFindings, parsePipeline, pipelineSampleText } from "@/tests/helpers/pipeline-samples";

const snap = (name: string) => instaBody(pipelineSampleText(`zizmor/zizmorcore__zizmor__integration__e2e__${name}.snap`));

// Its samples are pipeline samples, not scan samples: they are the contract's examples.
describeFormatContract(zizmorFormat, {
  folders: [],
  examples: {
    "json-v1": decodeDocument(snap("json_v1__json_v1")),
    SARIF: decodeDocument(snap("sarif_zizmor_properties")),
  },
});

describe("zizmor", () => {
  it("reads json-v1: audit, severity, confidence, the primary location and its route", () => {
    const r = parsePipeline(snap("json_v1__json_v1"));
    expect(r.format).toBe("zizmor");
    expect(r.tool.name).toBe("zizmor");
    const f = r.parts[0]!.findings;
    expect(f.map((x) => x.ruleId)).toEqual([
      "zizmor/template-injection",
      "zizmor/unpinned-uses",
      ...Array(5).fill("zizmor/unsound-contains"),
    ]);
    expect(f.filter((x) => x.severity === "high")).toHaveLength(6);
    expect(f.filter((x) => x.severity === "info")).toHaveLength(1);
    const inj = f[0]!;
    expect(inj).toMatchObject({ kind: "posture", title: "code injection via template expansion" });
    expect(inj.properties).toMatchObject({ confidence: "High", route: "jobs.inject-me.steps[0].with.script" });
    expect(inj.location?.startLine).toBe(19);
    expect(inj.references).toEqual(["https://docs.zizmor.sh/audits/#template-injection"]);
    // Five unsound-contains findings at different places stay five findings.
    expect(new Set(normalizedFindings(r).map((x) => x.fingerprint)).size).toBe(7);
  });

  it("reads SARIF with zizmor's own severity (not the SARIF level) and route", () => {
    const r = parsePipeline(snap("sarif_zizmor_properties"));
    expect(r.format).toBe("zizmor");
    expect(r.evidence).toEqual(["posture"]);
    const f = r.parts[0]!.findings;
    expect(f.map((x) => [x.ruleId, x.severity, x.properties?.route])).toEqual([
      ["zizmor/excessive-permissions", "high", "jobs.hackme.permissions"],
      ["zizmor/dangerous-triggers", "high", "on"],
      ["zizmor/template-injection", "high", "jobs.hackme.steps[0].run"],
    ]);
    expect(r.parts[0]!.tool.version).toBeUndefined(); // the snapshot's @@VERSION@@ placeholder is dropped
  });

  it("keeps fingerprints when the workflow's lines shift (the route names the place)", () => {
    const text = snap("sarif_zizmor_properties");
    const shifted = text.replace(/"startLine": (\d+)/g, (_m, n: string) => `"startLine": ${Number(n) + 7}`);
    const fp = (t: string) => normalizedFindings(parsePipeline(t)).map((x) => x.fingerprint);
    expect(fp(shifted)).toEqual(fp(text));
  });

  it("is chosen over generic SARIF, which still maps zizmor to posture when named explicitly", () => {
    const text = snap("sarif_zizmor_properties");
    const generic = parsePipeline(text, undefined, "sarif");
    expect(generic.format).toBe("sarif");
    expect(generic.evidence).toEqual(["posture"]);
    expect(generic.parts[0]!.findings.every((x) => x.kind === "posture")).toBe(true);
  });
});
