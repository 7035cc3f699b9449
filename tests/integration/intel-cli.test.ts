// `gatehouse intel import|status` as operators run them: the real CLI on a fresh embedded database.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "@/tests/helpers/server";
import { KEV_FILE } from "@/tests/helpers/intel";

const EPSS = [
  "#model_version:v2025.03.14,score_date:2025-09-03T00:00:00+0000",
  "cve,epss,percentile",
  "CVE-1999-0001,0.0142,0.7991",
  "CVE-2021-44228,0.94358,0.99968",
  "",
].join("\n");

describe("gatehouse intel (CLI, embedded database)", () => {
  const dir = tempDir();
  // Where the operator typed the command: relative paths are resolved from there.
  const env = { GATEHOUSE_DATA_DIR: path.join(dir, "data"), INIT_CWD: dir, GATEHOUSE_CALLER_CWD: undefined };
  writeFileSync(path.join(dir, "epss.csv.gz"), gzipSync(EPSS));
  writeFileSync(path.join(dir, "bad.csv"), "cve,score\nCVE-1999-0001,0.1\n");

  it("imports KEV and EPSS, reports their status, refuses bad input with a clear error and exit code", async () => {
    const kev = await cli(["intel", "import", "kev", KEV_FILE], env);
    expect(kev.stderr).toBe("");
    expect(kev.code).toBe(0);
    expect(kev.stdout).toMatch(
      /^Imported CISA KEV 2025\.08\.25 \(1404 entries, published 2025-08-25T17:04:19\.979Z\) in [\d.]+ s\.\n$/,
    );

    const epss = await cli(["intel", "import", "epss", "epss.csv.gz"], env);
    expect(epss.code, epss.stderr).toBe(0);
    expect(epss.stdout).toMatch(/^Imported EPSS v2025\.03\.14 \(2 entries, published 2025-09-03T00:00:00\.000Z\)/);

    const bad = await cli(["intel", "import", "epss", "bad.csv"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: EPSS file line 1: expected the header "cve,epss,percentile", got "cve,score"\n');
    const missing = await cli(["intel", "import", "kev", "nowhere.json"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: cannot read ${path.join(dir, "nowhere.json")} (ENOENT)\n`);
    const usage = await cli(["intel", "import", "nvd", KEV_FILE], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: source: the source is kev or epss/);

    const status = await cli(["intel", "status", "--json"], env);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as Record<string, { entries: number; origin: string; version: string }>;
    expect(s.kev).toMatchObject({ entries: 1404, version: "2025.08.25", origin: KEV_FILE });
    // The bad file changed nothing.
    expect(s.epss).toMatchObject({ entries: 2, version: "v2025.03.14", origin: path.join(dir, "epss.csv.gz") });
  }, 180_000);
});
