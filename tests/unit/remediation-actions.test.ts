import { describe, expect, it } from "vitest";
import { compareVersions, fixesSummary, nearestFix, sourceLink, upgradeTarget } from "@/server/views/remediation-actions";

const C = "0123456789abcdef0123456789abcdef01234567";

describe("remediation actions (pure)", () => {
  it("orders versions numerically, a longer version after its prefix", () => {
    const sorted = ["4.17.21", "4.17.4", "4.17.19", "v4.2.0", "4.17.21-1", "10.0.0"].sort(compareVersions);
    expect(sorted).toEqual(["v4.2.0", "4.17.4", "4.17.19", "4.17.21", "4.17.21-1", "10.0.0"]);
    expect(compareVersions("2.4.47+dfsg-3+deb10u7", "2.4.47")).toBeGreaterThan(0);
  });

  it("picks the nearest fix above the installed version, and the highest across a package's findings", () => {
    expect(nearestFix("4.17.15", ["4.17.12", ">=4.17.21"])).toBe("4.17.21");
    expect(nearestFix("4.17.15", ["4.17.12"])).toBeNull();
    expect(nearestFix(null, ["2.0.0", "1.5.0"])).toBe("1.5.0");
    expect(upgradeTarget("4.17.15", [["4.17.21"], ["4.17.19"], []])).toEqual({ target: "4.17.21", unfixed: 1 });
  });

  it("summarises what an action fixes", () => {
    expect(fixesSummary({ critical: 1, high: 1, medium: 1, low: 0, info: 0 })).toBe("fixes 3 findings, 1 critical, 1 high");
    expect(fixesSummary({ critical: 0, high: 5, medium: 0, low: 0, info: 0 })).toBe("fixes 5 high findings");
    expect(fixesSummary({ critical: 0, high: 0, medium: 1, low: 0, info: 0 })).toBe("fixes 1 medium finding");
  });

  it("links to the file and line at the commit on GitHub and GitLab only, with every path segment encoded", () => {
    expect(sourceLink("https://github.com/acme/checkout", C, "src/app.ts", 12)).toBe(
      `https://github.com/acme/checkout/blob/${C}/src/app.ts#L12`,
    );
    expect(sourceLink("https://github.com/acme/checkout.git/", C, "/infra/s3.tf", null)).toBe(
      `https://github.com/acme/checkout/blob/${C}/infra/s3.tf`,
    );
    expect(sourceLink("https://gitlab.com/acme/web", C, "a b/#x?.js", 3)).toBe(
      `https://gitlab.com/acme/web/-/blob/${C}/a%20b/%23x%3F.js#L3`,
    );
    expect(sourceLink("https://bitbucket.org/acme/x", C, "a.js", 1)).toBeNull();
    expect(sourceLink("https://github.com/acme/x", C, "../../etc/passwd", 1)).toBeNull();
    expect(sourceLink("https://github.com/acme/x", "not-a-commit", "a.js", 1)).toBeNull();
    expect(sourceLink("javascript:alert(1)//github.com", C, "a.js", 1)).toBeNull();
    expect(sourceLink(null, C, "a.js", 1)).toBeNull();
  });
});
