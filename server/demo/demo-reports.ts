// Scanner reports for the demo, written in each tool's own output format (Trivy JSON, Semgrep SARIF,
// Gitleaks JSON, Checkov JSON, ZAP JSON, CycloneDX, OpenSSF Scorecard), with real advisories and rule ids.
// Pure: the caller decides which findings a report holds on a given day.

export type DemoVuln = {
  id: string;
  pkg: string;
  version: string;
  fixed: string;
  severity: "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";
  title: string;
  ecosystem: string;
};

export const VULNS: DemoVuln[] = [
  {
    id: "CVE-2021-23337",
    pkg: "lodash",
    version: "4.17.15",
    fixed: "4.17.21",
    severity: "HIGH",
    title: "lodash: command injection via template",
    ecosystem: "npm",
  },
  {
    id: "CVE-2020-8203",
    pkg: "lodash",
    version: "4.17.15",
    fixed: "4.17.19",
    severity: "HIGH",
    title: "lodash: prototype pollution in zipObjectDeep",
    ecosystem: "npm",
  },
  {
    id: "CVE-2022-24999",
    pkg: "qs",
    version: "6.5.2",
    fixed: "6.5.3",
    severity: "HIGH",
    title: "express: qs prototype pollution",
    ecosystem: "npm",
  },
  {
    id: "CVE-2021-44228",
    pkg: "org.apache.logging.log4j:log4j-core",
    version: "2.14.1",
    fixed: "2.15.0",
    severity: "CRITICAL",
    title: "log4j-core: remote code execution via JNDI lookups",
    ecosystem: "maven",
  },
  {
    id: "CVE-2022-22965",
    pkg: "org.springframework:spring-beans",
    version: "5.3.17",
    fixed: "5.3.18",
    severity: "CRITICAL",
    title: "spring-beans: RCE via data binding (Spring4Shell)",
    ecosystem: "maven",
  },
  {
    id: "CVE-2023-44487",
    pkg: "golang.org/x/net",
    version: "0.15.0",
    fixed: "0.17.0",
    severity: "HIGH",
    title: "HTTP/2 rapid reset can cause excessive work",
    ecosystem: "golang",
  },
  {
    id: "CVE-2022-3602",
    pkg: "openssl",
    version: "3.0.5",
    fixed: "3.0.7",
    severity: "HIGH",
    title: "openssl: X.509 email address buffer overflow",
    ecosystem: "deb",
  },
  {
    id: "CVE-2023-0286",
    pkg: "openssl",
    version: "3.0.5",
    fixed: "3.0.8",
    severity: "HIGH",
    title: "openssl: X.400 address type confusion",
    ecosystem: "deb",
  },
  {
    id: "CVE-2022-40897",
    pkg: "setuptools",
    version: "65.5.0",
    fixed: "65.5.1",
    severity: "MEDIUM",
    title: "setuptools: ReDoS in package_index.py",
    ecosystem: "pypi",
  },
  {
    id: "CVE-2023-32681",
    pkg: "requests",
    version: "2.28.1",
    fixed: "2.31.0",
    severity: "MEDIUM",
    title: "requests: Proxy-Authorization header leak",
    ecosystem: "pypi",
  },
  {
    id: "CVE-2022-25883",
    pkg: "semver",
    version: "5.7.1",
    fixed: "5.7.2",
    severity: "MEDIUM",
    title: "semver: regular expression denial of service",
    ecosystem: "npm",
  },
  {
    id: "CVE-2023-26136",
    pkg: "tough-cookie",
    version: "2.5.0",
    fixed: "4.1.3",
    severity: "MEDIUM",
    title: "tough-cookie: prototype pollution",
    ecosystem: "npm",
  },
  {
    id: "CVE-2022-29155",
    pkg: "libldap-2.4-2",
    version: "2.4.47",
    fixed: "2.4.47+dfsg-3+deb10u7",
    severity: "CRITICAL",
    title: "openldap: SQL injection in experimental back-sql",
    ecosystem: "deb",
  },
  {
    id: "CVE-2023-4911",
    pkg: "libc6",
    version: "2.31-13",
    fixed: "2.31-13+deb11u7",
    severity: "HIGH",
    title: "glibc: buffer overflow in ld.so (Looney Tunables)",
    ecosystem: "deb",
  },
  {
    id: "CVE-2021-3807",
    pkg: "ansi-regex",
    version: "5.0.0",
    fixed: "5.0.1",
    severity: "HIGH",
    title: "ansi-regex: ReDoS",
    ecosystem: "npm",
  },
  {
    id: "CVE-2022-46175",
    pkg: "json5",
    version: "1.0.1",
    fixed: "1.0.2",
    severity: "HIGH",
    title: "json5: prototype pollution in parse",
    ecosystem: "npm",
  },
  {
    id: "CVE-2024-4068",
    pkg: "braces",
    version: "3.0.2",
    fixed: "3.0.3",
    severity: "HIGH",
    title: "braces: uncontrolled resource consumption",
    ecosystem: "npm",
  },
  {
    id: "CVE-2023-45133",
    pkg: "@babel/traverse",
    version: "7.22.5",
    fixed: "7.23.2",
    severity: "CRITICAL",
    title: "babel: arbitrary code execution when compiling crafted code",
    ecosystem: "npm",
  },
];

export type DemoRule = {
  id: string;
  name: string;
  level: "error" | "warning" | "note";
  securitySeverity: string;
  cwe: string;
  file: string;
  line: number;
  snippet: string;
};

export const SAST_RULES: DemoRule[] = [
  {
    id: "javascript.express.security.audit.express-sql-injection",
    name: "SQL injection in Express handler",
    level: "error",
    securitySeverity: "8.8",
    cwe: "CWE-89",
    file: "src/routes/orders.ts",
    line: 42,
    snippet: "db.query(`SELECT * FROM orders WHERE id = ${req.params.id}`)",
  },
  {
    id: "javascript.express.security.audit.xss.direct-response-write",
    name: "User input written directly to the response",
    level: "error",
    securitySeverity: "7.5",
    cwe: "CWE-79",
    file: "src/routes/search.ts",
    line: 17,
    snippet: "res.send(`<h1>${req.query.q}</h1>`)",
  },
  {
    id: "javascript.lang.security.audit.path-traversal.path-join-resolve-traversal",
    name: "Path traversal via path.join",
    level: "warning",
    securitySeverity: "6.5",
    cwe: "CWE-22",
    file: "src/files/download.ts",
    line: 23,
    snippet: "fs.createReadStream(path.join(UPLOADS, req.params.name))",
  },
  {
    id: "javascript.jsonwebtoken.security.jwt-none-alg",
    name: "JWT accepts the none algorithm",
    level: "error",
    securitySeverity: "9.1",
    cwe: "CWE-347",
    file: "src/auth/jwt.ts",
    line: 8,
    snippet: "jwt.verify(token, key, { algorithms: ['HS256', 'none'] })",
  },
  {
    id: "javascript.lang.security.detect-insecure-randomness",
    name: "Math.random used for a security token",
    level: "warning",
    securitySeverity: "5.3",
    cwe: "CWE-330",
    file: "src/auth/reset.ts",
    line: 31,
    snippet: "const token = Math.random().toString(36).slice(2)",
  },
  {
    id: "javascript.lang.security.audit.unsafe-formatstring",
    name: "Unsafe format string in logger",
    level: "note",
    securitySeverity: "3.1",
    cwe: "CWE-134",
    file: "src/log.ts",
    line: 12,
    snippet: "console.log(`user ${name}: ` + msg, ...args)",
  },
];

export const IAC_CHECKS = [
  {
    id: "CKV_AWS_18",
    name: "Ensure the S3 bucket has access logging enabled",
    resource: "aws_s3_bucket.uploads",
    file: "/infra/s3.tf",
    lines: [1, 12],
  },
  {
    id: "CKV_AWS_19",
    name: "Ensure all data stored in the S3 bucket is securely encrypted at rest",
    resource: "aws_s3_bucket.uploads",
    file: "/infra/s3.tf",
    lines: [1, 12],
  },
  {
    id: "CKV_AWS_23",
    name: "Ensure every security group and rule has a description",
    resource: "aws_security_group.api",
    file: "/infra/network.tf",
    lines: [4, 20],
  },
  {
    id: "CKV_AWS_24",
    name: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22",
    resource: "aws_security_group.api",
    file: "/infra/network.tf",
    lines: [4, 20],
  },
  {
    id: "CKV_AWS_67",
    name: "Ensure CloudTrail is enabled in all Regions",
    resource: "aws_cloudtrail.main",
    file: "/infra/audit.tf",
    lines: [1, 9],
  },
  {
    id: "CKV_K8S_20",
    name: "Containers should not run with allowPrivilegeEscalation",
    resource: "Deployment.default.api",
    file: "/k8s/api.yaml",
    lines: [1, 40],
  },
];

export const DAST_ALERTS = [
  { pluginid: "10038", name: "Content Security Policy (CSP) Header Not Set", riskcode: "2", cweid: "693", uri: "/" },
  { pluginid: "10020", name: "Missing Anti-clickjacking Header", riskcode: "2", cweid: "1021", uri: "/login" },
  { pluginid: "40012", name: "Cross Site Scripting (Reflected)", riskcode: "3", cweid: "79", uri: "/search" },
  { pluginid: "10096", name: "Timestamp Disclosure - Unix", riskcode: "0", cweid: "200", uri: "/api/status" },
];

const purlOf = (v: DemoVuln) => {
  if (v.ecosystem === "maven") {
    const [g, a] = v.pkg.split(":");
    return `pkg:maven/${g}/${a}@${v.version}`;
  }
  if (v.ecosystem === "deb") return `pkg:deb/debian/${v.pkg}@${v.version}?distro=debian-11`;
  return `pkg:${v.ecosystem}/${v.pkg.replace("@", "%40")}@${v.version}`;
};

export function trivyReport(image: string, digest: string, vulns: DemoVuln[], createdAt: string): string {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: createdAt,
    ArtifactName: image,
    ArtifactType: "container_image",
    Metadata: { OS: { Family: "debian", Name: "11.8" }, ImageID: digest, RepoDigests: [`${image.split(":")[0]}@${digest}`] },
    Trivy: { Version: "0.50.1" },
    Results: [
      {
        Target: `${image} (debian 11.8)`,
        Class: "os-pkgs",
        Type: "debian",
        Vulnerabilities: vulns.filter((v) => v.ecosystem === "deb").map((v) => trivyVuln(v)),
      },
      {
        Target: "app/package-lock.json",
        Class: "lang-pkgs",
        Type: "npm",
        Vulnerabilities: vulns.filter((v) => v.ecosystem !== "deb").map((v) => trivyVuln(v)),
      },
    ],
  });
}

function trivyVuln(v: DemoVuln) {
  return {
    VulnerabilityID: v.id,
    PkgName: v.pkg,
    PkgIdentifier: { PURL: purlOf(v) },
    InstalledVersion: v.version,
    FixedVersion: v.fixed,
    Status: "fixed",
    Severity: v.severity,
    Title: v.title,
    PrimaryURL: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
  };
}

export function semgrepSarif(rules: DemoRule[], shift = 0): string {
  return JSON.stringify({
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Semgrep OSS",
            semanticVersion: "1.56.0",
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.name },
              defaultConfiguration: { level: r.level },
              properties: { "security-severity": r.securitySeverity, tags: [r.cwe, "security"] },
            })),
          },
        },
        results: rules.map((r) => ({
          ruleId: r.id,
          level: r.level,
          message: { text: r.name },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.file, uriBaseId: "%SRCROOT%" },
                region: { startLine: r.line + shift, endLine: r.line + shift, snippet: { text: r.snippet } },
              },
            },
          ],
        })),
        invocations: [{ executionSuccessful: true }],
      },
    ],
  });
}

export function gitleaksReport(leaks: { file: string; line: number; rule: string; secret: string }[]): string {
  return JSON.stringify(
    leaks.map((l) => ({
      Description: l.rule === "aws-access-token" ? "AWS Access Key" : "Generic API Key",
      StartLine: l.line,
      EndLine: l.line,
      StartColumn: 14,
      EndColumn: 14 + l.secret.length,
      Match: `API_KEY = "${l.secret}"`,
      Secret: l.secret,
      File: l.file,
      SymlinkFile: "",
      Commit: "",
      Entropy: 4.2,
      Author: "",
      Email: "",
      Date: "",
      Message: "",
      Tags: [],
      RuleID: l.rule,
      Fingerprint: `${l.file}:${l.rule}:${l.line}`,
    })),
  );
}

export function checkovReport(checks: typeof IAC_CHECKS): string {
  return JSON.stringify({
    check_type: "terraform",
    results: {
      passed_checks: [],
      failed_checks: checks.map((c) => ({
        check_id: c.id,
        bc_check_id: null,
        check_name: c.name,
        check_result: { result: "FAILED" },
        file_path: c.file,
        file_abs_path: `/src${c.file}`,
        repo_file_path: c.file,
        file_line_range: c.lines,
        resource: c.resource,
        guideline: `https://docs.prismacloud.io/en/policy-reference/${c.id.toLowerCase()}`,
        severity: null,
      })),
      skipped_checks: [],
      parsing_errors: [],
    },
    summary: { passed: 40, failed: checks.length, skipped: 0, parsing_errors: 0, resource_count: 12, checkov_version: "3.2.1" },
  });
}

/** ZAP's own date format ("Mon, 1 Apr 2024 10:00:00", UTC, no zone). */
const zapDate = (d: Date) => {
  const [weekday, day, month, year, time] = d.toUTCString().replace(",", "").split(" ");
  return `${weekday}, ${Number(day)} ${month} ${year} ${time}`;
};

export function zapReport(host: string, alerts: typeof DAST_ALERTS, generatedAt: Date): string {
  return JSON.stringify({
    "@programName": "ZAP",
    "@version": "2.14.0",
    "@generated": zapDate(generatedAt),
    site: [
      {
        "@name": `https://${host}`,
        "@host": host,
        "@port": "443",
        "@ssl": "true",
        alerts: alerts.map((a) => ({
          pluginid: a.pluginid,
          alertRef: a.pluginid,
          alert: a.name,
          name: a.name,
          riskcode: a.riskcode,
          confidence: "2",
          riskdesc: "",
          desc: `<p>${a.name}</p>`,
          instances: [{ uri: `https://${host}${a.uri}`, method: "GET", param: "", attack: "", evidence: "" }],
          count: "1",
          solution: "<p>See the reference.</p>",
          reference: "",
          cweid: a.cweid,
          wascid: "15",
          sourceid: "3",
        })),
      },
    ],
  });
}

export function cyclonedxSbom(name: string, components: { name: string; version: string; purl: string }[]): string {
  return JSON.stringify({
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    version: 1,
    metadata: {
      tools: { components: [{ type: "application", name: "cyclonedx-npm", version: "1.16.1" }] },
      component: { type: "application", name },
    },
    components: components.map((c) => ({ type: "library", name: c.name, version: c.version, purl: c.purl, "bom-ref": c.purl })),
  });
}

export function scorecardReport(
  repo: string,
  commit: string,
  checks: { name: string; score: number; reason: string }[],
  date: Date,
): string {
  return JSON.stringify({
    date: date.toISOString().slice(0, 10),
    repo: { name: repo, commit },
    scorecard: { version: "v4.13.1", commit: "49c0eed3a423f00c872b5c3c9f1bbca9e8aae799" },
    score: 6.1,
    checks: checks.map((c) => ({
      name: c.name,
      score: c.score,
      reason: c.reason,
      details: null,
      documentation: {
        short: c.reason,
        url: `https://github.com/ossf/scorecard/blob/main/docs/checks.md#${c.name.toLowerCase()}`,
      },
    })),
    metadata: null,
  });
}
