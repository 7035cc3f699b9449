// The pipeline contract over real HTTP: the production server, a token made by the CLI, real reports.
import { gzipSync } from "node:zlib";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha } from "@/tests/helpers/fixtures";
import { isMalformed, isWrongFormat, manifest, sampleBytes } from "@/tests/helpers/samples";
import { cli, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";
import { fetchChecked } from "@/tests/helpers/contract";

let server: RunningServer;
let small: RunningServer;
let token: string;
let scopedToken: string;
const dataDir = path.join(tempDir(), "data");
const smallDir = path.join(tempDir(), "data");
const env = { GATEHOUSE_DATA_DIR: dataDir };

async function lastLine(args: string[], e: Record<string, string> = env): Promise<string> {
  const r = await cli(args, e);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").at(-1)!;
}

beforeAll(async () => {
  server = await startServer(env);
  await lastLine(["team", "create", "payments"]);
  await lastLine(["service", "create", "checkout", "--team", "payments"]);
  await lastLine(["service", "create", "ledger", "--team", "payments"]);
  token = await lastLine(["token", "create", "--team", "payments", "--scopes", "scans:write,read"]);
  scopedToken = await lastLine(["token", "create", "--team", "payments", "--service", "ledger", "--scopes", "scans:write"]);
  small = await startServer({ GATEHOUSE_DATA_DIR: smallDir, GATEHOUSE_MAX_UPLOAD_MB: "1" });
}, 240_000);

afterAll(async () => {
  await Promise.all([server?.stop(), small?.stop()]);
});

type Problem = { type: string; title: string; status: number; detail: string; requestId: string; [k: string]: unknown };

async function post(query: string, body: BodyInit | Uint8Array | undefined, headers: Record<string, string> = {}, base = server) {
  const res = await fetchChecked(`${base.url}/api/v1/scans?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: body as BodyInit | undefined,
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const q = (extra = "") => `service=checkout&commit=${sha("api")}&branch=main${extra}`;

describe("POST /api/v1/scans", () => {
  it("prints the token alone on the last line, in Gatehouse's recognisable format", () => {
    expect(token).toMatch(/^gth_[0-9A-Za-z]{36}$/);
  });

  it("ingests a report: 201, then 200 with duplicate: true for the same bytes", async () => {
    const body = sampleBytes("trivy/defectdojo__trivy__scheme_2_many_vulns.json");
    const first = await post(q(), body);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    const scan = first.json.scan as Record<string, unknown>;
    expect(scan).toMatchObject({
      service: "checkout",
      commit: sha("api"),
      branch: "main",
      format: "trivy-json",
      status: "complete",
    });
    expect((scan.tool as { name: string }).name).toMatch(/trivy/i);
    expect(first.headers.get("location")).toBe(`/api/v1/scans/${String(scan.id)}`);
    const stats = first.json.statistics as Record<string, number>;
    expect(stats.findings).toBeGreaterThan(0);
    expect(stats.created).toBe(stats.findings);

    const again = await post(q(), body);
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    expect((again.json.scan as { id: string }).id).toBe(scan.id);

    const got = await fetchChecked(`${server.url}/api/v1/scans/${String(scan.id)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(got.status).toBe(200);
    expect(((await got.json()) as { statistics: unknown }).statistics).toEqual(first.json.statistics);
  });

  it("accepts a gzip body", async () => {
    const body = gzipSync(sampleBytes("gitleaks/defectdojo__gitleaks__gitleaks8_many.json"));
    const r = await post(q("&format=gitleaks"), body, { "content-encoding": "gzip" });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect((r.json.scan as { evidence: string[] }).evidence).toContain("secrets");
  });

  it("answers errors as problem+json with a stable type", async () => {
    const cases: [string, BodyInit | Uint8Array | undefined, Record<string, string>, number, string][] = [
      [q(), '{\n  "runs": [\n    {"tool": }\n  ]\n}', {}, 400, "/problems/malformed-report"],
      [q(), "", {}, 400, "/problems/empty-report"],
      [q(), '{"hello":"world"}', {}, 415, "/problems/unsupported-format"],
      [q("&format=nessus"), "{}", {}, 415, "/problems/unsupported-format"],
      [q(), "x", { "content-encoding": "br" }, 415, "/problems/unsupported-encoding"],
      [q(), "not gzip at all", { "content-encoding": "gzip" }, 400, "/problems/malformed-gzip"],
      [q(), sampleBytes("sarif/codeql-action__invalid-sarif.sarif"), {}, 422, "/problems/invalid-report"],
      [q("&format=trivy"), sampleBytes("sarif/defectdojo__sarif__flawfinder.sarif"), {}, 422, "/problems/format-mismatch"],
      ["service=checkout&commit=not-a-sha", "{}", {}, 400, "/problems/validation-error"],
      [
        "service=nope-nope&commit=" + sha(1),
        '{"gatehouse":"1","tool":{"name":"x"},"findings":[]}',
        { authorization: `Bearer ${scopedToken}` },
        404,
        "/problems/not-found",
      ],
      [
        "service=checkout&commit=" + sha(1),
        '{"gatehouse":"1","tool":{"name":"x"},"findings":[]}',
        { authorization: `Bearer ${scopedToken}` },
        403,
        "/problems/forbidden",
      ],
      [q(), "{}", { authorization: "" }, 401, "/problems/unauthorized"],
      [q(), "{}", { authorization: "Bearer gth_" + "A".repeat(36) }, 401, "/problems/unauthorized"],
      [
        q(),
        "{}",
        { authorization: `Bearer ${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}` },
        401,
        "/problems/unauthorized",
      ],
    ];
    for (const [query, body, headers, status, type] of cases) {
      const r = await post(query, body, headers);
      expect(r.status, `${type}: ${JSON.stringify(r.json)}`).toBe(status);
      expect(r.type).toBe("application/problem+json");
      const p = r.json as Problem;
      expect(p).toMatchObject({ type, status });
      expect(p.detail.length).toBeGreaterThan(5);
      expect(JSON.stringify(p)).not.toMatch(/\bat .*\.(ts|js):\d+|select |insert into/i);
    }
    const malformed = (await post(q(), '{\n  "runs": [\n    {"tool": }\n  ]\n}')).json as Problem;
    expect(malformed).toMatchObject({ line: 3, column: 14 });
    const unsupported = (await post(q(), '{"hello":"world"}')).json as Problem;
    expect(unsupported.supportedFormats).toEqual(
      expect.arrayContaining(["sarif", "cyclonedx-json", "trivy-json", "gitleaks", "gatehouse"]),
    );
    const unauth = await post(q(), "{}", { authorization: "" });
    expect(unauth.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("refuses bodies over GATEHOUSE_MAX_UPLOAD_MB, plain or gzipped, and gzip bombs", async () => {
    const smallEnv = { GATEHOUSE_DATA_DIR: smallDir };
    await lastLine(["team", "create", "t1"], smallEnv);
    const smallToken = await lastLine(["token", "create", "--team", "t1", "--scopes", "scans:write"], smallEnv);
    const auth = { authorization: `Bearer ${smallToken}` };
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    big.write('{"gatehouse":"1","tool":{"name":"x"},"findings":[]}');
    const plain = await post("service=big&commit=" + sha(2), big, auth, small);
    expect(plain.status).toBe(413);
    expect(plain.json).toMatchObject({ type: "/problems/payload-too-large", limitBytes: 1024 * 1024 });
    // Small on the wire, too large once decompressed.
    const expands = gzipSync(big);
    expect(expands.length).toBeLessThan(1024 * 1024);
    const gz = await post("service=big&commit=" + sha(2), expands, { ...auth, "content-encoding": "gzip" }, small);
    expect(gz.status).toBe(413);
    // A bomb on the large server: refused for its ratio, long before its size would be reached.
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const b = await post(q(), bomb, { "content-encoding": "gzip" });
    expect(b.status).toBe(413);
    expect(b.json.type).toBe("/problems/decompression-bomb");
    // Nothing was stored by any of them.
    const list = await cli(["service", "list", "--json"], smallEnv);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("describes every public endpoint in openapi.json", async () => {
    const doc = (await (await fetchChecked(`${server.url}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    const post = doc.paths["/api/v1/scans"]!.post!;
    expect(post.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        "service",
        "commit",
        "branch",
        "artifact",
        "format",
        "scanner",
        "stage",
        "pipeline_run",
        "Idempotency-Key",
      ]),
    );
    expect(Object.keys(post.responses).sort()).toEqual([
      "200",
      "201",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
      "415",
      "422",
      "429",
      "500",
    ]);
    expect(doc.paths["/api/v1/scans/{id}"]).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["ScanResult", "Scan", "ScanStatistics", "Problem"]),
    );
  });
});

describe("every sample of the corpus over HTTP", () => {
  const rows = manifest();

  it("ingests every valid sample and refuses every malformed one with a 4xx", async () => {
    let n = 0;
    for (const row of rows) {
      const body = sampleBytes(row.file);
      const r = await post(`service=corpus&commit=${sha(row.file)}&branch=main`, body);
      if (isMalformed(row) || KNOWN_INVALID.has(row.file)) {
        expect([400, 415, 422], `${row.file}: ${JSON.stringify(r.json)}`).toContain(r.status);
        expect(r.type).toBe("application/problem+json");
        continue;
      }
      if (r.status === 422 && (r.json as Problem).type === "/problems/ambiguous-report") {
        // [] / null / {}: the pipeline names the format.
        const named = await post(
          `service=corpus&commit=${sha(row.file)}&branch=main&format=${FOLDER_FORMAT[row.format] ?? row.format}`,
          body,
        );
        expect(named.status, `${row.file}: ${JSON.stringify(named.json)}`).toBe(201);
        n++;
        continue;
      }
      expect(r.status, `${row.file}: ${JSON.stringify(r.json)}`).toBe(201);
      const scan = r.json.scan as { format: string; tool: { name: string } };
      expect(EXPECTED[row.file] ?? FOLDER_FORMAT[row.format] ?? row.format, row.file).toBe(scan.format);
      expect(scan.tool.name.length, row.file).toBeGreaterThan(0);
      if (isWrongFormat(row)) {
        // Named as the folder's format, it is refused for what it is.
        const named = await post(
          `service=corpus&commit=${sha(row.file)}&format=${FOLDER_FORMAT[row.format] ?? row.format}`,
          body,
        );
        expect(named.status).toBe(422);
        expect(named.json.type).toBe("/problems/format-mismatch");
      }
      n++;
    }
    expect(n).toBeGreaterThan(400);
  }, 600_000);

  it("loses no write when CLI commands run while uploads are served", async () => {
    const names = Array.from({ length: 6 }, (_, i) => `cli-svc-${i}`);
    const uploads = Array.from({ length: 6 }, (_, i) =>
      post(`service=checkout&commit=${sha(`mixed-${i}`)}&branch=main`, sampleBytes("semgrep/defectdojo__semgrep__cwe_list.json")),
    );
    const creates = names.map((n) => cli(["service", "create", n, "--team", "payments"], env));
    const [u, c] = await Promise.all([Promise.all(uploads), Promise.all(creates)]);
    for (const r of u) expect(r.status).toBe(201);
    for (const r of c) expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse((await cli(["service", "list", "--json"], env)).stdout) as { slug: string }[];
    expect(list.map((s) => s.slug)).toEqual(expect.arrayContaining(names));
    for (const r of u) {
      const id = (r.json.scan as { id: string }).id;
      expect(
        (await fetchChecked(`${server.url}/api/v1/scans/${id}`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
    }
  });
});

/** The format id each sample folder holds. */
const FOLDER_FORMAT: Record<string, string> = {
  cyclonedx_json: "cyclonedx-json",
  cyclonedx_xml: "cyclonedx-xml",
  dependency_check_json: "dependency-check-json",
  dependency_check_xml: "dependency-check-xml",
  github_code_scanning: "github-code-scanning",
  github_dependabot: "github-dependabot",
  github_secret_scanning: "github-secret-scanning",
  grype: "grype-json",
  npm_audit: "npm-audit",
  osv_scanner: "osv-scanner",
  semgrep: "semgrep-json",
  semgrep_app_api: "semgrep-app",
  spdx: "spdx-json",
  trivy: "trivy-json",
  trivy_operator: "trivy-operator",
  yarn_audit: "yarn-audit",
  zap_json: "zap-json",
  zap_xml: "zap-xml",
};

/** Samples filed in one folder that are another format. */
const EXPECTED: Record<string, string> = {
  // yarn's error output saved in DefectDojo's GitLab DAST folder (flagged WRONG-FORMAT).
  "gitlab/defectdojo__gitlab_dast__empty_with_error.json": "yarn-audit",
};

/** Samples the manifest does not flag, that are nevertheless broken (checked by hand). */
const KNOWN_INVALID = new Set([
  // DefectDojo's deliberately broken Anchore Enterprise file: "results" for "result", a truncated key.
  "anchore/defectdojo__anchore_enterprise__invalid_checks_format.json",
  // DefectDojo's "invalid" secret-scanning sample is literally {}.
  "github_secret_scanning/defectdojo__github_secrets_detection_report__github_secrets_detection_report_invalid.json",
  // Valid JSON, invalid SARIF ("results": 42).
  "sarif/codeql-action__invalid-sarif.sarif",
]);
