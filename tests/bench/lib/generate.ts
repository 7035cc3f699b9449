// Deterministic, realistic scanner reports of any size, built as text (no giant object graph in the generator):
// a SARIF 2.1.0 log shaped like CodeQL's, and a Trivy SchemaVersion 2 image report. Every finding is distinct
// under Gatehouse's fingerprinting (see server/ingest/normalize.ts), so N results give N findings.

/** mulberry32: a small seeded PRNG, so the same seed always gives the same bytes. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

const hex = (n: number, len: number) => {
  let s = "";
  let x = n >>> 0;
  while (s.length < len) {
    x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) >>> 0;
    s += x.toString(16).padStart(8, "0");
  }
  return s.slice(0, len);
};

const SYLLABLES = ["ar", "bel", "cor", "dan", "el", "fin", "gor", "hal", "is", "jun", "kel", "lor", "mar", "nex", "or", "pra"];
/** A pronounceable, unique name for k (base-16 digits as syllables). */
function word(k: number): string {
  let s = "";
  let x = k;
  do {
    s += SYLLABLES[x % 16];
    x = Math.floor(x / 16);
  } while (x > 0);
  return s;
}

const LOREM =
  "The value is read from an HTTP request parameter and reaches this sink without validation or encoding. " +
  "An attacker who controls the parameter can change the meaning of the operation. Validate the input against " +
  "an allow-list, use the framework's parameterized API, and add a regression test that covers the tainted path. ";

function pad(len: number, offset: number): string {
  if (len <= 0) return "";
  let s = "";
  while (s.length < len + offset) s += LOREM;
  return ` ${s.slice(offset, offset + len)}`;
}

// ---- SARIF -------------------------------------------------------------------------------------------------

type RuleBase = { id: string; cwe: number; score: number; name: string; message: string; snippet: (v: string) => string };

const RULE_BASES: RuleBase[] = [
  {
    id: "sql-injection",
    cwe: 89,
    score: 8.8,
    name: "Database query built from user-controlled sources",
    message: "This query string depends on a [user-provided value](1).",
    snippet: (v) => `const rows = await db.query("SELECT * FROM orders WHERE id = " + req.query.${v});`,
  },
  {
    id: "xss",
    cwe: 79,
    score: 6.1,
    name: "Reflected cross-site scripting",
    message: "Cross-site scripting vulnerability due to a [user-provided value](1).",
    snippet: (v) => `res.send("<p>Hello " + req.params.${v} + "</p>");`,
  },
  {
    id: "path-injection",
    cwe: 22,
    score: 7.5,
    name: "Uncontrolled data used in path expression",
    message: "This path depends on a [user-provided value](1).",
    snippet: (v) => `fs.readFile(path.join(uploadDir, req.body.${v}), sendFile);`,
  },
  {
    id: "command-line-injection",
    cwe: 78,
    score: 9.8,
    name: "Uncontrolled command line",
    message: "This command line depends on a [user-provided value](1).",
    snippet: (v) => `child_process.exec("convert " + req.query.${v} + " out.png");`,
  },
  {
    id: "code-injection",
    cwe: 94,
    score: 9.3,
    name: "Code injection",
    message: "This code execution depends on a [user-provided value](1).",
    snippet: (v) => `const fn = new Function("x", req.body.${v});`,
  },
  {
    id: "request-forgery",
    cwe: 918,
    score: 9.1,
    name: "Server-side request forgery",
    message: "The URL of this request depends on a [user-provided value](1).",
    snippet: (v) => `await fetch(\`https://\${req.query.${v}}/internal/status\`);`,
  },
  {
    id: "insecure-randomness",
    cwe: 338,
    score: 7.8,
    name: "Insecure randomness",
    message: "This uses a cryptographically insecure random number generated at [Math.random()](1) in a security context.",
    snippet: (v) => `const ${v} = Math.random().toString(36).slice(2);`,
  },
  {
    id: "unsafe-deserialization",
    cwe: 502,
    score: 9.8,
    name: "Deserialization of user-controlled data",
    message: "Unsafe deserialization depends on a [user-provided value](1).",
    snippet: (v) => `const obj = yaml.load(req.body.${v});`,
  },
  {
    id: "prototype-pollution-utility",
    cwe: 1321,
    score: 7.5,
    name: "Prototype-polluting function",
    message: "Properties are copied from [source](1) to [destination](2) without guarding against prototype pollution.",
    snippet: (v) => `for (const k in src) dst[k] = merge(dst[k], src.${v}[k]);`,
  },
  {
    id: "regex-injection",
    cwe: 730,
    score: 7.5,
    name: "Regular expression injection",
    message: "This regular expression is constructed from a [user-provided value](1).",
    snippet: (v) => `const re = new RegExp("^" + req.query.${v} + "$");`,
  },
  {
    id: "server-side-unvalidated-url-redirection",
    cwe: 601,
    score: 6.1,
    name: "Server-side URL redirect",
    message: "Untrusted URL redirection depends on a [user-provided value](1).",
    snippet: (v) => `res.redirect(req.query.${v});`,
  },
  {
    id: "missing-rate-limiting",
    cwe: 770,
    score: 7.5,
    name: "Missing rate limiting",
    message: "This route handler performs [a database access](1), but is not rate-limited.",
    snippet: (v) => `app.get("/api/${v}", async (req, res) => res.json(await repo.find(req.query)));`,
  },
  {
    id: "clear-text-logging",
    cwe: 312,
    score: 7.5,
    name: "Clear-text logging of sensitive information",
    message: "This logs sensitive data returned by [an access to password](1) as clear text.",
    snippet: (v) => `logger.info("login", { user, password: body.${v} });`,
  },
  {
    id: "weak-cryptographic-algorithm",
    cwe: 327,
    score: 7.5,
    name: "Use of a broken or weak cryptographic algorithm",
    message: "A broken or weak cryptographic algorithm depends on [sensitive data from an access to key](1).",
    snippet: (v) => `const c = crypto.createCipheriv("des-ecb", keys.${v}, null);`,
  },
  {
    id: "xxe",
    cwe: 611,
    score: 9.1,
    name: "XML external entity expansion",
    message: "XML parsing depends on a [user-provided value](1) without guarding against external entity expansion.",
    snippet: (v) => `const doc = libxml.parseXml(req.body.${v}, { noent: true });`,
  },
  {
    id: "log-injection",
    cwe: 117,
    score: 7.8,
    name: "Log injection",
    message: "Log entry depends on a [user-provided value](1).",
    snippet: (v) => `console.log("search: " + req.query.${v});`,
  },
  {
    id: "zipslip",
    cwe: 22,
    score: 7.5,
    name: "Arbitrary file access during archive extraction",
    message: "Unsanitized archive entry, which may contain '..', is used in a [file system operation](1).",
    snippet: (v) => `fs.createWriteStream(path.join(dest, entry.${v}));`,
  },
  {
    id: "insecure-cookie",
    cwe: 614,
    score: 5.0,
    name: "Failure to set secure cookies",
    message: "Cookie is added to response without the 'secure' flag being set.",
    snippet: (v) => `res.cookie("session_${v}", token, { httpOnly: true });`,
  },
  {
    id: "missing-token-validation",
    cwe: 352,
    score: 8.8,
    name: "Missing CSRF middleware",
    message: "This cookie middleware is serving a [request handler](1) without CSRF protection.",
    snippet: (v) => `app.post("/settings/${v}", cookieParser(), updateSettings);`,
  },
  {
    id: "hardcoded-credentials",
    cwe: 798,
    score: 9.8,
    name: "Hard-coded credentials",
    message: 'The hard-coded value "changeme" is used as [authorization header](1).',
    snippet: (v) => `const auth = { user: "svc_${v}", pass: process.env.PASS ?? "changeme" };`,
  },
];

const LANGUAGES = [
  { id: "js", ext: "js", dirs: ["src/routes", "src/services", "src/lib", "packages/web/src", "packages/api/src"] },
  { id: "py", ext: "py", dirs: ["app/views", "app/models", "app/tasks", "scripts"] },
  { id: "java", ext: "java", dirs: ["src/main/java/com/acme/shop", "src/main/java/com/acme/payments"] },
  { id: "go", ext: "go", dirs: ["internal/http", "internal/store", "cmd/worker"] },
  { id: "rb", ext: "rb", dirs: ["app/controllers", "lib/tasks"] },
  { id: "cs", ext: "cs", dirs: ["src/Acme.Api/Controllers", "src/Acme.Core"] },
] as const;

export type SarifOptions = {
  findings: number;
  seed?: number;
  /** extra characters appended to each message */ messagePad?: number;
};

/** A CodeQL-shaped SARIF 2.1.0 log with one run and `findings` distinct results. */
export function generateSarif(opts: SarifOptions): Buffer {
  const r = prng(opts.seed ?? 1);
  const rules = LANGUAGES.flatMap((lang) =>
    RULE_BASES.map((b) => ({
      ...b,
      ruleId: `${lang.id}/${b.id}`,
      lang,
      score: Math.max(1, Math.min(10, b.score + r.int(-5, 5) / 10)),
    })),
  );
  const ruleJson = rules.map((rule) =>
    JSON.stringify({
      id: rule.ruleId,
      name: rule.ruleId,
      shortDescription: { text: rule.name },
      fullDescription: { text: `${rule.name}: ${rule.message.replace(/\[([^\]]+)\]\(\d\)/g, "$1")}` },
      defaultConfiguration: { enabled: true, level: rule.score >= 7 ? "error" : "warning" },
      help: {
        text: `# ${rule.name}\n\nSee CWE-${rule.cwe}.`,
        markdown: `# ${rule.name}\n\nSee [CWE-${rule.cwe}](https://cwe.mitre.org/data/definitions/${rule.cwe}.html).`,
      },
      helpUri: `https://codeql.github.com/codeql-query-help/${rule.lang.id}/${rule.ruleId.replace("/", "-")}/`,
      properties: {
        tags: ["security", `external/cwe/cwe-${String(rule.cwe).padStart(3, "0")}`],
        description: rule.name,
        id: rule.ruleId,
        kind: "path-problem",
        precision: r.pick(["high", "medium", "very-high"]),
        "problem.severity": rule.score >= 7 ? "error" : "warning",
        "security-severity": rule.score.toFixed(1),
      },
    }),
  );
  const filesPerDir = 80;
  const results: string[] = new Array<string>(opts.findings);
  for (let i = 0; i < opts.findings; i++) {
    const ruleIndex = r.int(0, rules.length - 1);
    const rule = rules[ruleIndex]!;
    const dir = r.pick(rule.lang.dirs);
    const file = `${dir}/${word(r.int(0, filesPerDir - 1))}.${rule.lang.ext}`;
    const startLine = r.int(1, 2500);
    const startColumn = r.int(3, 40);
    const ident = `${word(i)}${i.toString(36)}`;
    const snippet = rule.snippet(ident);
    const result: Record<string, unknown> = {
      ruleId: rule.ruleId,
      ruleIndex,
      rule: { id: rule.ruleId, index: ruleIndex },
      message: { text: rule.message + pad(opts.messagePad ?? 0, i % 97) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: file, uriBaseId: "%SRCROOT%", index: i % 1000 },
            region: {
              startLine,
              startColumn,
              endLine: startLine,
              endColumn: startColumn + snippet.length,
              snippet: { text: snippet },
            },
          },
        },
      ],
    };
    if (r.chance(0.6)) {
      result.partialFingerprints = {
        primaryLocationLineHash: `${hex(i, 16)}:1`,
        primaryLocationStartColumnFingerprint: `${startColumn - 3}`,
      };
    }
    if (rule.message.includes("](1)")) {
      const srcLine = Math.max(1, startLine - r.int(1, 40));
      result.relatedLocations = [
        {
          id: 1,
          physicalLocation: {
            artifactLocation: { uri: file, uriBaseId: "%SRCROOT%", index: i % 1000 },
            region: { startLine: srcLine, startColumn: 7, endColumn: 7 + ident.length + 10 },
          },
          message: { text: "user-provided value" },
        },
      ];
    }
    results[i] = JSON.stringify(result);
  }
  const head = JSON.stringify({
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "CodeQL",
            organization: "GitHub",
            semanticVersion: "2.17.6",
            notifications: [],
            rules: ["@RULES@"],
          },
        },
        invocations: [{ toolExecutionNotifications: [], executionSuccessful: true }],
        originalUriBaseIds: { "%SRCROOT%": { uri: "file:///home/runner/work/shop/shop/" } },
        automationDetails: { id: "/language:javascript/" },
        columnKind: "utf16CodeUnits",
        properties: { semmle_formatSpecifier: "sarif-latest" },
        results: ["@RESULTS@"],
      },
    ],
  });
  const [beforeRules, rest] = head.split('"@RULES@"') as [string, string];
  const [betweenParts, afterResults] = rest.split('"@RESULTS@"') as [string, string];
  return Buffer.from(beforeRules + ruleJson.join(",") + betweenParts + results.join(",") + afterResults, "utf8");
}

// ---- Trivy -------------------------------------------------------------------------------------------------

type Ecosystem = {
  target: string;
  cls: "os-pkgs" | "lang-pkgs";
  type: string;
  share: number;
  name: (k: number) => string;
  purl: (name: string, version: string) => string;
  pkgPath?: (name: string) => string;
  source: { ID: string; Name: string; URL: string };
};

const IMAGE = "registry.example.com/shop/api:1.42.0";

const ECOSYSTEMS: Ecosystem[] = [
  {
    target: `${IMAGE} (debian 12.5)`,
    cls: "os-pkgs",
    type: "debian",
    share: 0.3,
    name: (k) => `lib${word(k)}${k % 4 === 0 ? "-dev" : ""}`,
    purl: (n, v) => `pkg:deb/debian/${n}@${encodeURIComponent(v)}?arch=amd64&distro=debian-12.5`,
    source: {
      ID: "debian",
      Name: "Debian Security Tracker",
      URL: "https://salsa.debian.org/security-tracker-team/security-tracker",
    },
  },
  {
    target: "app/package-lock.json",
    cls: "lang-pkgs",
    type: "npm",
    share: 0.25,
    name: (k) => (k % 5 === 0 ? `@${word(k % 37)}/${word(k)}` : `${word(k)}-js`),
    purl: (n, v) => `pkg:npm/${n.startsWith("@") ? `%40${n.slice(1)}` : n}@${v}`,
    source: {
      ID: "ghsa",
      Name: "GitHub Security Advisory npm",
      URL: "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Anpm",
    },
  },
  {
    target: "services/ml/poetry.lock",
    cls: "lang-pkgs",
    type: "poetry",
    share: 0.1,
    name: (k) => `py${word(k)}`,
    purl: (n, v) => `pkg:pypi/${n}@${v}`,
    source: {
      ID: "ghsa",
      Name: "GitHub Security Advisory pip",
      URL: "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Apip",
    },
  },
  {
    target: "usr/local/bin/api",
    cls: "lang-pkgs",
    type: "gobinary",
    share: 0.1,
    name: (k) => `github.com/${word(k % 53)}/${word(k)}`,
    purl: (n, v) => `pkg:golang/${n}@v${v}`,
    source: { ID: "govulndb", Name: "The Go Vulnerability Database", URL: "https://pkg.go.dev/vuln/" },
  },
  {
    target: "services/gateway/go.mod",
    cls: "lang-pkgs",
    type: "gomod",
    share: 0.1,
    name: (k) => `golang.org/x/${word(k)}`,
    purl: (n, v) => `pkg:golang/${n}@v${v}`,
    source: { ID: "govulndb", Name: "The Go Vulnerability Database", URL: "https://pkg.go.dev/vuln/" },
  },
  {
    target: "Java",
    cls: "lang-pkgs",
    type: "jar",
    share: 0.15,
    name: (k) => `org.${word(k % 61)}:${word(k)}-core`,
    purl: (n, v) => `pkg:maven/${n.replace(":", "/")}@${v}`,
    pkgPath: (n) => `app/libs/${n.split(":")[1]}.jar`,
    source: {
      ID: "ghsa",
      Name: "GitHub Security Advisory Maven",
      URL: "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Amaven",
    },
  },
];

const GHSA_CHARS = "23456789cfghjmpqrvwx";
function ghsa(i: number): string {
  let x = Math.imul(i + 1, 2654435761) >>> 0;
  let s = "GHSA";
  for (let g = 0; g < 3; g++) {
    s += "-";
    for (let c = 0; c < 4; c++) {
      s += GHSA_CHARS[x % 20];
      x = Math.floor(x / 20) || Math.imul(x + i + g + c + 7, 2246822519) >>> 0;
    }
  }
  return s;
}

const CWES = [20, 22, 78, 79, 89, 94, 120, 125, 190, 200, 287, 352, 400, 416, 476, 502, 611, 787, 918, 1333];
const WEAKNESS = [
  "a heap-based buffer overflow",
  "an out-of-bounds read",
  "uncontrolled resource consumption",
  "improper input validation",
  "a use-after-free",
  "a NULL pointer dereference",
  "an integer overflow",
  "inefficient regular expression complexity (ReDoS)",
  "improper certificate validation",
  "a path traversal",
];

function cvssVector(score: number): string {
  const c = score >= 9 ? "H" : score >= 7 ? "H" : score >= 4 ? "L" : "N";
  const a = score >= 7 ? "H" : "L";
  return `CVSS:3.1/AV:N/AC:${score >= 8 ? "L" : "H"}/PR:N/UI:${score >= 6 ? "N" : "R"}/S:U/C:${c}/I:${c}/A:${a}`;
}

const SEVERITY = (score: number) => (score >= 9 ? "CRITICAL" : score >= 7 ? "HIGH" : score >= 4 ? "MEDIUM" : "LOW");

export type TrivyOptions = { findings: number; seed?: number; vulnsPerPackage?: number };

/** A Trivy SchemaVersion 2 container-image report with several Results and `findings` distinct vulnerabilities. */
export function generateTrivy(opts: TrivyOptions): Buffer {
  const r = prng(opts.seed ?? 2);
  const perPkg = opts.vulnsPerPackage ?? 20;
  const layers = Array.from({ length: 6 }, (_, i) => ({
    Digest: `sha256:${hex(i + 100, 64)}`,
    DiffID: `sha256:${hex(i + 200, 64)}`,
  }));
  let remaining = opts.findings;
  let global = 0;
  const resultsJson: string[] = [];
  ECOSYSTEMS.forEach((eco, ei) => {
    const count = ei === ECOSYSTEMS.length - 1 ? remaining : Math.round(opts.findings * eco.share);
    remaining -= count;
    const pkgs = Math.max(1, Math.ceil(count / perPkg));
    const packages = Array.from({ length: pkgs }, (_, k) => {
      const name = eco.name(k + ei * 100_000);
      const version = `${1 + (k % 9)}.${k % 13}.${k % 7}${eco.type === "debian" ? `-${1 + (k % 3)}+deb12u${k % 5}` : ""}`;
      return { name, version, purl: eco.purl(name, version), uid: hex(k * 31 + ei, 16), layer: layers[k % layers.length]! };
    });
    const vulns: string[] = new Array<string>(count);
    for (let j = 0; j < count; j++, global++) {
      const p = packages[j % pkgs]!;
      const year = 2015 + (global % 10);
      const useGhsa = eco.type !== "debian" && global % 10 < 3;
      const id = useGhsa ? ghsa(global) : `CVE-${year}-${10000 + global}`;
      const score = Math.round((2 + r.next() * 8) * 10) / 10;
      const fixed = r.chance(0.75);
      const [maj, min, patch] = p.version.split(/[.-]/).map(Number) as [number, number, number];
      const fixedVersion = `${maj}.${min}.${patch + 1 + r.int(0, 3)}${r.chance(0.3) ? `, ${maj + 1}.0.1` : ""}`;
      const cwe = r.pick(CWES);
      const weakness = r.pick(WEAKNESS);
      const refCount = r.int(3, 8);
      const refs = [
        `https://nvd.nist.gov/vuln/detail/${id}`,
        `https://github.com/${word(global % 101)}/${p.name.split("/").pop()}/security/advisories/${ghsa(global + 7)}`,
        `https://security-tracker.debian.org/tracker/${id}`,
        `https://github.com/${word(global % 101)}/${p.name.split("/").pop()}/commit/${hex(global, 40)}`,
        `https://lists.debian.org/debian-lts-announce/${year}/0${1 + (global % 9)}/msg000${global % 90}.html`,
        `https://access.redhat.com/security/cve/${id}`,
        `https://www.openwall.com/lists/oss-security/${year}/0${1 + (global % 9)}/${1 + (global % 28)}/1`,
        `https://ubuntu.com/security/notices/USN-${5000 + (global % 2000)}-1`,
      ].slice(0, refCount);
      const v: Record<string, unknown> = {
        VulnerabilityID: id,
        ...(eco.type === "debian" && global % 4 === 0 ? { VendorIDs: [`DSA-${5000 + (global % 900)}-1`] } : {}),
        PkgID: `${p.name}@${p.version}`,
        PkgName: p.name,
        ...(eco.pkgPath ? { PkgPath: eco.pkgPath(p.name) } : {}),
        PkgIdentifier: { PURL: p.purl, UID: p.uid },
        InstalledVersion: p.version,
        ...(fixed ? { FixedVersion: fixedVersion } : {}),
        Status: fixed ? "fixed" : r.pick(["affected", "will_not_fix", "fix_deferred"]),
        Layer: p.layer,
        SeveritySource: eco.source.ID === "debian" ? "nvd" : eco.source.ID,
        PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
        DataSource: eco.source,
        Title: `${p.name.split("/").pop()}: ${weakness} in ${word(global % 211)}() may lead to ${score >= 7 ? "remote code execution" : "denial of service"}`,
        Description:
          `${p.name} before ${fixed ? fixedVersion.split(",")[0] : "the latest release"} has ${weakness} in the ${word(global % 211)} ` +
          `component. A remote attacker could send crafted input that triggers the flaw, which ${score >= 7 ? "may allow arbitrary code execution" : "causes the process to stop responding"}. ` +
          (global % 3 === 0
            ? "This issue affects all versions before the fix; see the upstream advisory for mitigation steps."
            : ""),
        Severity: SEVERITY(score),
        CweIDs: [`CWE-${cwe}`],
        VendorSeverity: { nvd: score >= 9 ? 4 : score >= 7 ? 3 : score >= 4 ? 2 : 1, [eco.source.ID]: r.int(1, 4) },
        CVSS: {
          nvd: {
            ...(year < 2020 ? { V2Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", V2Score: Math.min(10, score + 0.2) } : {}),
            V3Vector: cvssVector(score),
            V3Score: score,
          },
          ...(r.chance(0.3) ? { redhat: { V3Vector: cvssVector(score), V3Score: Math.max(1, score - 0.5) } } : {}),
        },
        References: refs,
        PublishedDate: `${year}-0${1 + (global % 9)}-${String(1 + (global % 28)).padStart(2, "0")}T15:15:00Z`,
        LastModifiedDate: `2024-0${1 + (global % 9)}-${String(1 + (global % 28)).padStart(2, "0")}T12:00:00Z`,
      };
      vulns[j] = JSON.stringify(v);
    }
    const head = JSON.stringify({ Target: eco.target, Class: eco.cls, Type: eco.type, Vulnerabilities: ["@V@"] });
    const [a, b] = head.split('"@V@"') as [string, string];
    resultsJson.push(a + vulns.join(",") + b);
  });
  const doc = JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: "2025-05-02T09:30:12.345678Z",
    ArtifactName: IMAGE,
    ArtifactType: "container_image",
    Metadata: {
      Size: 512_000_000,
      OS: { Family: "debian", Name: "12.5" },
      ImageID: `sha256:${hex(1, 64)}`,
      DiffIDs: layers.map((l) => l.DiffID),
      RepoTags: [IMAGE],
      RepoDigests: [`registry.example.com/shop/api@sha256:${hex(2, 64)}`],
      ImageConfig: { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: layers.map((l) => l.DiffID) } },
    },
    Trivy: { Version: "0.52.2" },
    Results: ["@R@"],
  });
  const [before, after] = doc.split('"@R@"') as [string, string];
  return Buffer.from(before + resultsJson.join(",") + after, "utf8");
}

/** Messages padded so that `findings` results make a SARIF log of about `bytes` bytes. */
export function sarifOfSize(bytes: number, findings: number, seed = 3): Buffer {
  const probe = generateSarif({ findings: 2000, seed });
  const perResult = probe.length / 2000;
  const padLen = Math.max(0, Math.round(bytes / findings - perResult));
  return generateSarif({ findings, seed, messagePad: padLen });
}

/** A Trivy report of about `bytes` bytes, and how many findings it holds. */
export function trivyOfSize(bytes: number, seed = 2): { body: Buffer; findings: number } {
  const perFinding = generateTrivy({ findings: 2000, seed }).length / 2000;
  const findings = Math.max(1, Math.floor(bytes / perFinding));
  return { body: generateTrivy({ findings, seed }), findings };
}
