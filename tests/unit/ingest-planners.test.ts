// The pure planners of the ingest verb: lifecycle (accumulate, retract, close), merges, and the report's metadata.
import { describe, expect, it } from "vitest";
import { DomainError } from "@/server/errors";
import { planLifecycle, trackKeyOf, trackParts, type ReportedFinding } from "@/server/ingest/plan-lifecycle";
import { planMerges, tiesFindings, type StoredDependency } from "@/server/ingest/plan-merges";
import { FUTURE_TOLERANCE_MS, resolveReportMeta } from "@/server/ingest/report-meta";

const S = trackKeyOf({ branch: "main", tool: "trivy", category: "", subject: "source", target: "" });
const IMG = trackKeyOf({ branch: "main", tool: "trivy", category: "", subject: "artifact", target: "ghcr.io/acme/app" });

const reported = (id: string, over: Partial<ReportedFinding> = {}): ReportedFinding => ({
  id,
  isNew: false,
  trackKeys: new Set([S]),
  suppressed: false,
  severity: "high",
  ...over,
});

describe("scope keys", () => {
  it("keep branch and tool first (views read them by position) and round-trip", () => {
    expect(IMG.split("\u0001")).toEqual(["main", "trivy", "", "artifact", "ghcr.io/acme/app"]);
    expect(trackParts(IMG)).toEqual({
      branch: "main",
      tool: "trivy",
      category: "",
      subject: "artifact",
      target: "ghcr.io/acme/app",
    });
    // Keys written before subjects and targets existed read as source scopes.
    expect(trackParts("main\u0001semgrep\u0001cat")).toMatchObject({ subject: "source", target: "" });
  });
});

describe("planLifecycle", () => {
  const prior = (entries: [string, "open" | "closed"][], key = S) => new Map([[key, new Map(entries)]]);

  it("closes what a complete scan of another commit no longer reports", () => {
    const plan = planLifecycle({
      findings: [reported("f1")],
      prior: prior([
        ["f1", "open"],
        ["f2", "open"],
        ["f3", "closed"],
      ]),
      sightedAtCommit: new Map(),
      failed: false,
    });
    expect(plan.closed).toEqual(["f2"]);
    expect(plan.tracks).toEqual([{ key: S, seen: ["f1"], close: ["f2"], fresh: [] }]);
    expect(plan.statistics).toMatchObject({ findings: 1, unchanged: 1, closed: 1, retracted: 0 });
  });

  it("retracts instead of closing what an earlier report of the same commit listed in the scope", () => {
    const plan = planLifecycle({
      findings: [],
      prior: prior([
        ["f1", "open"],
        ["f2", "open"],
        ["f3", "closed"],
      ]),
      sightedAtCommit: new Map([[S, new Set(["f1", "f3"])]]),
      failed: false,
    });
    expect(plan.retracted).toEqual(["f1", "f3"]);
    expect(plan.closed).toEqual(["f2"]);
    expect(plan.statistics).toMatchObject({ findings: 0, closed: 1, retracted: 2 });
  });

  it("a failed run neither closes nor retracts", () => {
    const plan = planLifecycle({
      findings: [],
      prior: prior([["f1", "open"]]),
      sightedAtCommit: new Map([[S, new Set(["f1"])]]),
      failed: true,
    });
    expect([plan.closed, plan.retracted, plan.statistics.closed]).toEqual([[], [], 0]);
  });

  it("counts created, merged (a new source), reopened and unchanged so that they add up; suppressed count nowhere", () => {
    const plan = planLifecycle({
      findings: [
        reported("new", { isNew: true }),
        reported("other-scope", { trackKeys: new Set([IMG]) }),
        reported("back"),
        reported("same"),
        reported("hidden", { suppressed: true, isNew: true }),
      ],
      prior: new Map([
        [
          S,
          new Map<string, "open" | "closed">([
            ["back", "closed"],
            ["same", "open"],
          ]),
        ],
        [IMG, new Map<string, "open" | "closed">()],
      ]),
      sightedAtCommit: new Map(),
      failed: false,
    });
    const s = plan.statistics;
    expect(s).toMatchObject({ findings: 4, created: 1, merged: 1, reopened: 1, unchanged: 1 });
    expect(s.findings).toBe(s.created + s.merged + s.unchanged + s.reopened);
    expect(s.bySeverity.high).toBe(4);
    expect(plan.tracks.find((p) => p.key === IMG)!.fresh).toEqual(["other-scope"]);
  });
});

describe("planMerges", () => {
  const stored = (id: string, ids: string[], firstSeenAt: number, fingerprint = `fp-${id}`): StoredDependency => ({
    id,
    fingerprint,
    packageKey: "npm/minimist",
    ids,
    firstSeenAt,
  });

  it("adopts the stored finding that shares an id, within the same package only", () => {
    const plan = planMerges(
      [
        { ref: 0, fingerprint: "fp-new", packageKey: "npm/minimist", ids: ["cve-2021-44906"] },
        { ref: 1, fingerprint: "fp-x", packageKey: "npm/other", ids: ["CVE-2021-44906"] },
      ],
      [stored("a", ["CVE-2021-44906", null as unknown as string], 1)],
    );
    expect([...plan.adopt]).toEqual([[0, "fp-a"]]);
    expect(plan.merges).toEqual([]);
  });

  it("merges stored findings a report ties together into the oldest, naming the ids that tie them", () => {
    const plan = planMerges(
      [{ ref: 0, fingerprint: "fp-b", packageKey: "npm/minimist", ids: ["GHSA-xvch-5gv4-984h", "CVE-2021-44906"] }],
      [stored("b", ["CVE-2021-44906"], 20), stored("a", ["GHSA-xvch-5gv4-984h"], 10)],
    );
    expect(plan.merges).toEqual([
      {
        survivor: { id: "a", fingerprint: "fp-a" },
        absorbed: [{ id: "b", fingerprint: "fp-b" }],
        via: ["CVE-2021-44906", "GHSA-XVCH-5GV4-984H"],
      },
    ]);
    expect(plan.adopt.get(0)).toBe("fp-a");
  });

  it("merges transitively and gives the same survivor whatever the order of its inputs", () => {
    const all = [stored("c", ["ID-3"], 30), stored("a", ["ID-1"], 10), stored("b", ["ID-2"], 20)];
    const incoming = [
      { ref: 0, fingerprint: "n0", packageKey: "npm/minimist", ids: ["ID-1", "ID-2"] },
      { ref: 1, fingerprint: "n1", packageKey: "npm/minimist", ids: ["ID-2", "ID-3"] },
    ];
    const one = planMerges(incoming, all);
    const two = planMerges([...incoming].reverse(), [...all].reverse());
    expect(one.merges).toEqual(two.merges);
    expect(one.merges[0]!.survivor.id).toBe("a");
    expect(one.merges[0]!.absorbed.map((a) => a.id)).toEqual(["b", "c"]);
    expect([one.adopt.get(0), one.adopt.get(1)]).toEqual(["fp-a", "fp-a"]);
  });

  it("ties a report's own findings of one package and vulnerability into one, whatever their order", () => {
    const incoming = [
      { ref: 0, fingerprint: "fp-trivy", packageKey: "npm/minimist", ids: ["CVE-2021-44906"] },
      { ref: 1, fingerprint: "fp-osv", packageKey: "npm/minimist", ids: ["GHSA-xvch-5gv4-984h", "CVE-2021-44906"] },
      { ref: 2, fingerprint: "fp-other-pkg", packageKey: "npm/other", ids: ["CVE-2021-44906"] },
      { ref: 3, fingerprint: "fp-alone", packageKey: "npm/minimist", ids: ["CVE-2020-7598"] },
    ];
    const one = planMerges(incoming, []);
    const two = planMerges([...incoming].reverse(), []);
    expect([...one.adopt].sort()).toEqual([[0, "fp-osv"]]);
    expect([...two.adopt].sort()).toEqual([[0, "fp-osv"]]);
    expect(one.merges).toEqual([]);
  });

  it("never ties findings through a vendor advisory: one DSA, USN or RHSA fixes several vulnerabilities", () => {
    const debian = (ref: number, cve: string, advisory: string) => ({
      ref,
      fingerprint: `fp-${ref}`,
      packageKey: "deb/debian/openssl",
      ids: [cve, advisory],
    });
    const plan = planMerges(
      [
        debian(0, "CVE-2023-0001", "DSA-5417-1"),
        debian(1, "CVE-2023-0002", "DSA-5417-1"),
        debian(2, "CVE-2023-0003", "USN-6039-1"),
        debian(3, "CVE-2023-0004", "RHSA-2023:1234"),
        debian(4, "CVE-2023-0005", "ALAS2-2023-2000"),
      ],
      [
        {
          id: "s1",
          fingerprint: "fp-s1",
          packageKey: "deb/debian/openssl",
          ids: ["CVE-2023-0009", "USN-6039-1"],
          firstSeenAt: 1,
        },
        {
          id: "s2",
          fingerprint: "fp-s2",
          packageKey: "deb/debian/openssl",
          ids: ["CVE-2023-0010", "RHSA-2023:1234"],
          firstSeenAt: 2,
        },
      ],
    );
    expect(plan.adopt.size).toBe(0);
    expect(plan.merges).toEqual([]);
    expect(
      ["DSA-5417-1", "dla-3000-1", "SUSE-SU-2023:1234-1", "openSUSE-SU-2024:0001-1", "FEDORA-2023-1a2b"].map(tiesFindings),
    ).toEqual([false, false, false, false, false]);
    expect(
      ["CVE-2023-0001", "GHSA-xvch-5gv4-984h", "PYSEC-2021-1", "GO-2022-0969", "RUSTSEC-2021-0001", "DSAx-1"].map(tiesFindings),
    ).toEqual([true, true, true, true, true, true]);
  });
});

describe("resolveReportMeta", () => {
  const receivedAt = new Date("2026-12-06T12:00:00Z");
  const D1 = `sha256:${"1".repeat(64)}`;
  const D2 = `sha256:${"2".repeat(64)}`;

  it("dates the evidence by the report, never later than its receipt", () => {
    const old = resolveReportMeta({ receivedAt, params: {}, report: { generatedAt: "2026-10-01T00:00:00Z" } });
    expect([old.generatedAt?.toISOString(), old.scannedAt.toISOString()]).toEqual([
      "2026-10-01T00:00:00.000Z",
      "2026-10-01T00:00:00.000Z",
    ]);
    const skew = resolveReportMeta({
      receivedAt,
      params: {},
      report: { generatedAt: new Date(receivedAt.getTime() + FUTURE_TOLERANCE_MS).toISOString() },
    });
    expect(skew.scannedAt).toEqual(receivedAt);
    expect(resolveReportMeta({ receivedAt, params: {}, report: {} }).scannedAt).toEqual(receivedAt);
    expect(() =>
      resolveReportMeta({
        receivedAt,
        params: {},
        report: { generatedAt: new Date(receivedAt.getTime() + FUTURE_TOLERANCE_MS + 1000).toISOString() },
      }),
    ).toThrow(expect.objectContaining({ code: "unprocessable", type: "report-from-the-future" }) as DomainError);
  });

  it("binds the artifact the report names, and refuses a parameter that disagrees", () => {
    const named = resolveReportMeta({ receivedAt, params: {}, report: { artifactDigests: [D1, D2] } });
    expect([named.artifact, named.artifactSource]).toEqual([D1, "report"]);
    expect(resolveReportMeta({ receivedAt, params: { artifact: D2 }, report: { artifactDigests: [D1, D2] } }).artifact).toBe(D2);
    expect(() => resolveReportMeta({ receivedAt, params: { artifact: D2 }, report: { artifactDigests: [D1] } })).toThrow(
      expect.objectContaining({ type: "artifact-mismatch" }) as DomainError,
    );
    const source = resolveReportMeta({ receivedAt, params: {}, report: {} });
    expect([source.artifact, source.artifactSource]).toEqual([null, null]);
  });

  it("takes the scanner database time from the report first, the pipeline's statement second", () => {
    const stated = "2026-12-05T00:00:00Z";
    expect(
      resolveReportMeta({ receivedAt, params: { scannerDbUpdatedAt: stated }, report: {} }).scannerDbBuiltAt?.toISOString(),
    ).toBe("2026-12-05T00:00:00.000Z");
    const both = resolveReportMeta({
      receivedAt,
      params: { scannerDbUpdatedAt: stated },
      report: { scannerDbBuiltAt: "2026-11-01T00:00:00Z" },
    });
    expect(both.scannerDbBuiltAt?.toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(both.warnings.join(" ")).toContain("disagrees");
    expect(() => resolveReportMeta({ receivedAt, params: { scannerDbUpdatedAt: "soon" }, report: {} })).toThrow(DomainError);
  });
});

describe("a report time written without a zone", () => {
  const receivedAt = new Date("2026-12-06T12:00:00Z");
  it("may be up to 14 hours ahead (the producer's UTC offset) and then dates the scan by its upload", () => {
    const ahead = resolveReportMeta({
      receivedAt,
      params: {},
      report: { generatedAt: "2026-12-06T20:00:00.000Z", generatedAtZoneless: true },
    });
    expect(ahead.scannedAt).toEqual(receivedAt);
    expect(ahead.warnings.join(" ")).toContain("without a time zone");
    expect(() =>
      resolveReportMeta({
        receivedAt,
        params: {},
        report: { generatedAt: "2026-12-07T03:00:00.000Z", generatedAtZoneless: true },
      }),
    ).toThrow(expect.objectContaining({ type: "report-from-the-future" }) as DomainError);
    // The same time with a zone is refused: it says exactly when it was made.
    expect(() => resolveReportMeta({ receivedAt, params: {}, report: { generatedAt: "2026-12-06T20:00:00.000Z" } })).toThrow(
      DomainError,
    );
  });
});
