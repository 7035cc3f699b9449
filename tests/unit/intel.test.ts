// Threat intelligence, pure parts: the KEV and EPSS parsers on the real catalog and a file in the published shape,
// exploit-aware priority, the gate's blockKnownExploited rule and the scorecard's KEV deduction and stale-intel signal.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decideGate } from "@/server/gate/decide";
import { DEFAULT_POLICIES, defaultPolicyFor, policySchema } from "@/server/gate/policy";
import type { GateFinding, GateInput } from "@/server/gate/types";
import { intelText } from "@/server/intel/import-intel";
import { kevMatches } from "@/server/intel/match";
import { IntelFormatError, parseEpssCsv, parseKevCatalog } from "@/server/intel/parse";
import { compareExploitPriority, priorityReason, type Prioritized } from "@/server/intel/priority";
import { computeScorecard, FORMULA_VERSION, type ScorecardInput } from "@/server/scoring/formula";
import { KEV_FILE } from "@/tests/helpers/intel";

const kevText = () => readFileSync(KEV_FILE, "utf8");

const EPSS = [
  "#model_version:v2025.03.14,score_date:2025-09-03T00:00:00+0000",
  "cve,epss,percentile",
  "CVE-1999-0001,0.0142,0.7991",
  "CVE-2021-44228,0.94358,0.99968",
  "CVE-2024-0001,3e-05,0.0041",
  "",
].join("\n");

describe("KEV catalog parser", () => {
  it("reads CISA's real catalog whole", () => {
    const k = parseKevCatalog(kevText());
    expect(k.version).toBe("2025.08.25");
    expect(k.releasedAt?.toISOString()).toBe("2025-08-25T17:04:19.979Z");
    expect(k.entries).toHaveLength(1404);
    expect(k.entries.find((e) => e.cveId === "CVE-2021-44228")).toMatchObject({
      dateAdded: "2021-12-10",
      dueDate: "2021-12-24",
      product: "Log4j2",
      knownRansomware: "Known",
    });
  });

  it("refuses what is not the catalog, naming where", () => {
    const bad = (doc: unknown) => () => parseKevCatalog(typeof doc === "string" ? doc : JSON.stringify(doc));
    expect(bad("{")).toThrow(/not valid JSON/);
    expect(bad({ title: "x" })).toThrow(/vulnerabilities array/);
    expect(bad({ vulnerabilities: [] })).toThrow(/no vulnerabilities/);
    const ok = { cveID: "CVE-2021-44228", dateAdded: "2021-12-10", dueDate: "2021-12-24" };
    expect(bad({ vulnerabilities: [ok, { ...ok, cveID: "log4shell" }] })).toThrow(/vulnerabilities\[1\]\.cveID/);
    expect(bad({ vulnerabilities: [{ ...ok, dueDate: "soon" }] })).toThrow(/dueDate: expected YYYY-MM-DD \(CVE-2021-44228\)/);
    expect(bad({ count: 3, vulnerabilities: [ok] })).toThrow(/count says 3 but 1/);
    // A truncated download of the real catalog is not JSON.
    expect(() => parseKevCatalog(kevText().slice(0, 500_000))).toThrow(IntelFormatError);
  });
});

describe("EPSS parser", () => {
  it("reads the published shape: comment line, header, rows", () => {
    const e = parseEpssCsv(EPSS);
    expect(e.modelVersion).toBe("v2025.03.14");
    expect(e.scoreDate?.toISOString()).toBe("2025-09-03T00:00:00.000Z");
    expect(e.scores).toEqual([
      { cveId: "CVE-1999-0001", epss: 0.0142, percentile: 0.7991 },
      { cveId: "CVE-2021-44228", epss: 0.94358, percentile: 0.99968 },
      { cveId: "CVE-2024-0001", epss: 3e-5, percentile: 0.0041 },
    ]);
  });

  it("reads it gzipped, with CRLF line ends, as the feed is published", () => {
    const gz = gzipSync(Buffer.from(EPSS.replace(/\n/g, "\r\n")));
    expect(parseEpssCsv(intelText(gz)).scores).toHaveLength(3);
    expect(intelText(Buffer.from(EPSS))).toBe(EPSS);
  });

  it("refuses malformed files with the line", () => {
    expect(() => parseEpssCsv("cve,score\nCVE-1999-0001,0.1")).toThrow(/line 1: expected the header/);
    expect(() => parseEpssCsv("#model_version:x\n")).toThrow(/no "cve,epss,percentile" header/);
    expect(() => parseEpssCsv("cve,epss,percentile\nCVE-1999-0001,1.5,0.2")).toThrow(/line 2: epss must be a number from 0 to 1/);
    expect(() => parseEpssCsv("cve,epss,percentile\nCVE-1999-0001,0.1")).toThrow(/line 2: expected 3 columns/);
    expect(() => parseEpssCsv("cve,epss,percentile\nGHSA-xxxx,0.1,0.2")).toThrow(/line 2: expected a CVE id/);
    expect(() => parseEpssCsv("cve,epss,percentile\n")).toThrow(/no scores/);
    expect(() => intelText(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(/not valid gzip/);
    expect(() => intelText(gzipSync(Buffer.alloc(2048, 65)), 1024)).toThrow(/larger than 1024 bytes unzipped/);
  });
});

describe("exploit-aware priority", () => {
  const kev = (cve: string, due: string) => ({ cveId: cve, dateAdded: "2021-12-10", dueDate: due });
  const epss = (cve: string, e: number, p = 0.5) => ({ cveId: cve, epss: e, percentile: p });
  it("puts KEV first (earliest due date first), then EPSS × severity, then severity risk", () => {
    const items: (Prioritized & { name: string })[] = [
      { name: "critical, no intel", severity: "critical", risk: 100, intel: { kev: null, epss: null } },
      { name: "low, EPSS 0.9", severity: "low", risk: 1, intel: { kev: null, epss: epss("CVE-3", 0.9) } },
      { name: "high, EPSS 0.5", severity: "high", risk: 10, intel: { kev: null, epss: epss("CVE-2", 0.5) } },
      { name: "medium, KEV due 2022", severity: "medium", risk: 4, intel: { kev: kev("CVE-5", "2022-05-03"), epss: null } },
      { name: "low, KEV due 2021", severity: "low", risk: 1, intel: { kev: kev("CVE-4", "2021-12-24"), epss: null } },
    ];
    expect([...items].sort(compareExploitPriority).map((i) => i.name)).toEqual([
      "low, KEV due 2021",
      "medium, KEV due 2022",
      "high, EPSS 0.5",
      "low, EPSS 0.9",
      "critical, no intel",
    ]);
  });

  it("says why", () => {
    expect(priorityReason({ kev: kev("CVE-2021-44228", "2021-12-24"), epss: epss("CVE-2021-44228", 0.94358, 0.99968) })).toBe(
      "CVE-2021-44228 on CISA KEV since 2021-12-10, due 2021-12-24; EPSS 0.94 (99th percentile)",
    );
    expect(priorityReason({ kev: null, epss: epss("CVE-1", 0.0142, 0.7991) })).toBe("EPSS 0.01 (79th percentile)");
    expect(priorityReason({ kev: null, epss: null })).toBeNull();
  });
});

describe("gate: blockKnownExploited", () => {
  const NOW = new Date("2025-09-01T00:00:00Z");
  const log4j = (over: Partial<GateFinding> = {}): GateFinding => ({
    id: "fnd_log4j",
    fingerprint: "fp-log4j",
    severity: "low",
    riskArea: 3,
    kind: "dependency",
    ruleId: "GHSA-jfh8-c2jp-5v3q",
    title: "Log4Shell",
    vulnerabilityId: "GHSA-jfh8-c2jp-5v3q",
    aliases: ["CVE-2021-44228"],
    firstSeenAt: NOW,
    packageName: "log4j-core",
    packageVersion: "2.14.1",
    fixedVersions: ["2.17.1"],
    file: null,
    kev: { cveId: "CVE-2021-44228", dateAdded: "2021-12-10", dueDate: "2021-12-24" },
    ...over,
  });
  const input = (findings: GateFinding[], over: Partial<GateInput> = {}): GateInput => ({
    now: NOW,
    stage: "production",
    commit: "c".repeat(40),
    artifact: null,
    findings,
    waivers: [],
    evidence: [],
    previousStage: null,
    scorecardGrade: null,
    kevCatalog: { version: "2025.08.25", importedAt: NOW },
    ...over,
  });
  const policy = policySchema.parse({ rules: { blockKnownExploited: {} } });

  it("is on in production, a warning in test, absent in dev", () => {
    expect(DEFAULT_POLICIES.production.rules.blockKnownExploited).toEqual({ mode: "fail" });
    expect(defaultPolicyFor("production", "test").rules.blockKnownExploited).toEqual({ mode: "fail" });
    expect(DEFAULT_POLICIES.test.rules.blockKnownExploited).toEqual({ mode: "warn" });
    expect(DEFAULT_POLICIES.dev.rules.blockKnownExploited).toBeUndefined();
  });

  it("blocks a finding on KEV (matched through an alias), naming the CVE and CISA's due date", () => {
    const r = decideGate(input([log4j()]), policy);
    expect(r.decision).toBe("block");
    const c = r.checks.find((x) => x.id === "known-exploited")!;
    expect(c.status).toBe("fail");
    expect(c.findings).toEqual(["fnd_log4j"]);
    expect(c.message).toContain("CVE-2021-44228 in log4j-core 2.14.1 (on KEV since 2021-12-10, CISA due date 2021-12-24)");
    expect(c.remediation).toMatch(/^Upgrade log4j-core 2\.14\.1 → 2\.17\.1/);
  });

  it("a waiver covers it; findings off KEV pass; warn mode only warns", () => {
    const waived = decideGate(
      input([log4j()], {
        waivers: [
          {
            id: "wvr_1",
            match: { type: "vulnerability", value: "cve-2021-44228" },
            kind: "waiver",
            reason: "r",
            expiresAt: null,
          },
        ],
      }),
      policy,
    );
    expect(waived.decision).toBe("allow");
    expect(waived.checks[0]!.message).toMatch(
      /No open finding is on CISA's Known Exploited Vulnerabilities catalog \(version 2025\.08\.25\) \(1 waived\)/,
    );
    expect(waived.waiversApplied).toEqual(["wvr_1"]);
    expect(decideGate(input([log4j({ kev: null })]), policy).decision).toBe("allow");
    const warn = decideGate(input([log4j()]), policySchema.parse({ rules: { blockKnownExploited: { mode: "warn" } } }));
    expect([warn.decision, warn.checks[0]!.status]).toEqual(["allow", "warn"]);
  });

  it("says so when no catalog was imported", () => {
    const r = decideGate(input([log4j({ kev: null })], { kevCatalog: null }), policy);
    expect(r.checks[0]!.status).toBe("pass");
    expect(r.checks[0]!.message).toMatch(/No CISA KEV catalog has been imported/);
  });
});

describe("scorecard: KEV deduction and stale intel", () => {
  const now = new Date("2025-09-10T00:00:00Z");
  const base: ScorecardInput = {
    now,
    findings: [{ area: 3, severity: "high", open: 2, slaBreached: 0 }],
    evidence: [{ tool: "trivy", kinds: ["sca"], status: "complete", scannedAt: now, scannerDbBuiltAt: null }],
    signals: { lastScanAt: now, failedScans30d: 0, gateBypasses30d: 0, deploysWithoutGate30d: 0 },
  };
  const area = (c: ReturnType<typeof computeScorecard>, n: number) => c.areas.find((a) => a.area === n)!;

  it("formula version 3", () => expect(FORMULA_VERSION).toBe(3));

  it("open findings on KEV cost extra points in their area, naming the CVEs", () => {
    const without = computeScorecard(base);
    const withKev = computeScorecard({ ...base, exploited: [{ area: 3, open: 1, cves: ["CVE-2021-44228"] }] });
    const d = area(withKev, 3).deductions.find((x) => x.id === "exploited:3")!;
    expect(d).toMatchObject({ points: 15, source: "findings" });
    expect(d.reason).toBe("1 open finding in dependencies on CISA's Known Exploited Vulnerabilities list (CVE-2021-44228)");
    expect(area(withKev, 3).score).toBe(area(without, 3).score! - 15);
  });

  it("stale intel is an area 7 signal only when the sync is on", () => {
    const old = new Date(now.getTime() - 8 * 86_400_000);
    const fresh = new Date(now.getTime() - 86_400_000);
    const signal = (s: ScorecardInput["signals"]["intelSync"]) =>
      area(computeScorecard({ ...base, signals: { ...base.signals, intelSync: s } }), 7).deductions.find(
        (d) => d.id === "signal:stale-intel",
      );
    expect(signal(null)).toBeUndefined();
    expect(signal({ kevImportedAt: fresh, epssImportedAt: fresh })).toBeUndefined();
    expect(signal({ kevImportedAt: old, epssImportedAt: null })?.reason).toBe(
      "threat intelligence not refreshed in 7 days with the daily sync on: KEV 8 days old, EPSS never imported",
    );
    expect(signal({ kevImportedAt: fresh, epssImportedAt: old })?.points).toBe(5);
  });
});

describe("kevMatches (the gate's match against the catalog in memory)", () => {
  const entry = (cveId: string, dueDate: string) => ({ cveId, dateAdded: "2021-12-10", dueDate });
  const catalog = new Map([
    ["CVE-2021-44228", entry("CVE-2021-44228", "2021-12-24")],
    ["CVE-2021-45046", entry("CVE-2021-45046", "2021-12-24")],
    ["CVE-2017-5638", entry("CVE-2017-5638", "2022-05-03")],
  ]);

  it("matches through the vulnerability id or any alias, the entry due first, the id before the aliases on a tie", () => {
    const found = kevMatches(
      [
        { vulnerabilityId: "GHSA-jfh8-c2jp-5v3q", aliases: ["CVE-2021-44228"] },
        { vulnerabilityId: "CVE-2017-5638", aliases: ["CVE-2021-45046"] },
        { vulnerabilityId: "CVE-2021-45046", aliases: ["CVE-2021-44228"] },
        { vulnerabilityId: null, aliases: ["", "CVE-2024-0001"] },
      ],
      catalog,
    );
    expect(found.map((k) => k?.cveId ?? null)).toEqual(["CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45046", null]);
  });

  it("matches nothing against an empty catalog", () => {
    expect(kevMatches([{ vulnerabilityId: "CVE-2021-44228", aliases: [] }], new Map())).toEqual([null]);
  });
});
