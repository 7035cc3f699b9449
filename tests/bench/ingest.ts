// Ingest benchmark (npm run bench -- ingest): a generated SARIF report and a generated Trivy report of
// 100,000 findings each, ingested with the real verb on PGlite (data directory) and on PostgreSQL, then
// re-ingested unchanged under another commit; plus parse-only timings and a ~100 MB SARIF report for memory.
//
// Each database run and each parse-only run happens in its own Node process (lib/child.ts), so its peak RSS
// is its own. Reports are generated once, in this process, and handed to the workers as temp files.
//
// Flags: --findings=N (default 100000)   --big-mib=N (size of the big report, default 100)
//        --backends=pglite,postgres        --parts=parse,ingest,big (which sections run; default all)
//        --heap-mb=N (the workers' --max-old-space-size, default 4096)
//        --reports=sarif,trivy (which generated reports the parse and ingest sections use)
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DatabaseKind } from "@/db/client";
import type { ServiceContext } from "@/server/context";
import { decodeDocument, decodeText } from "@/server/ingest/decode";
import { ingestReport, parseReport, type IngestResult } from "@/server/ingest/ingest-report";
import { normalizeReport } from "@/server/ingest/normalize";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { heapGrowthPercent, onInterrupt, runInChild } from "./lib/child";
import { findPostgres, openBenchDatabase } from "./lib/db";
import { startCpu, type CpuSample } from "./lib/ingest-cpu";
import { serverUploads, type ServerUpload } from "./lib/server-upload";
import { generateSarif, generateTrivy, sarifOfSize, trivyOfSize } from "./lib/generate";
import { collectGarbage, maxRssBytes, MiB, RssSampler } from "./lib/memory";
import { instrument, PhaseRecorder, type Phase } from "./lib/profile";
import { int, mb, mib, pct, secs, table } from "./lib/table";
import { parseFlags, type Benchmark } from "./lib/types";

const THIS_FILE = fileURLToPath(import.meta.url);

const TARGET = {
  firstPerSec: { postgres: 20_000, pglite: 5_000 } as Record<DatabaseKind, number>,
  bigReportBytes: 100 * MiB,
  bigPeakRss: 600 * MiB,
  /** an unchanged re-ingest at a new commit, at least this many times the first ingest's rate (issue 13) */
  reingestSpeedup: 2,
};

type ReportName = "sarif" | "trivy";
type ReportFile = { name: ReportName | "sarif-big" | "trivy-big"; file: string; bytes: number; findings: number };

// ---- worker results ------------------------------------------------------------------------------------------

type ParseRun = {
  report: string;
  bytes: number;
  findings: number;
  decodeMs: number;
  jsonParseMs: number;
  parseReportMs: number;
  normalizeMs: number;
  peakRss: number;
  maxRss: number;
};

type IngestStep = {
  backend: DatabaseKind;
  report: string;
  step: "first" | "re-ingest";
  findings: number;
  ms: number;
  peakRss: number;
  /** CPU time of this process and of the PostgreSQL backends: what machine load does not inflate */
  cpu: CpuSample;
  statistics: IngestResult["statistics"];
  phases: Phase[];
};

type BigRun = {
  report: ReportFile;
  parse: ParseRun;
  run: DbRun;
  server?: ServerUpload[];
  /** a Trivy report of the same size through the server: its findings are larger, and so is its parse */
  trivy?: { report: ReportFile; uploads: ServerUpload[] };
};

type DbRun = {
  backend: DatabaseKind;
  location: string;
  openMs: number;
  migrateMs: number;
  /** RSS once the database is open and migrated, before any report is read */
  openRss: number;
  steps: IngestStep[];
  maxRss: number;
};

// ---- workers (each runs in a child process) -------------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const commit = () => randomBytes(20).toString("hex");
const log = (tag: string, msg: string) => console.log(`  [${tag}] ${msg}`);

/** The decode steps alone, timed apart so that their intermediate text and document are garbage before parseReport runs. */
function timeDecode(body: Uint8Array): { decodeMs: number; jsonParseMs: number } {
  let t = performance.now();
  const text = decodeText(body);
  const decodeMs = performance.now() - t;
  t = performance.now();
  decodeDocument(text);
  return { decodeMs, jsonParseMs: performance.now() - t };
}

/**
 * parseReport + normalizeReport, as ingest runs them before touching the database. The first repetition runs
 * in a fresh process, so the peak RSS reported is that of parsing this report once and nothing else.
 */
async function parseWorker(input: { report: ReportFile; reps: number }): Promise<ParseRun> {
  const { report } = input;
  const body = readFileSync(report.file);
  const sampler = new RssSampler().start();
  let peakRss = 0;
  let maxRss = 0;
  const runs: Omit<ParseRun, "report" | "bytes" | "peakRss" | "maxRss">[] = [];
  for (let i = 0; i < input.reps; i++) {
    collectGarbage();
    let t = performance.now();
    const parsed = parseReport(body, { salt: "bench-salt" });
    const parseReportMs = performance.now() - t;
    t = performance.now();
    const parts = normalizeReport(parsed, sha256);
    const normalizeMs = performance.now() - t;
    const findings = parts.reduce((n, p) => n + p.findings.length, 0);
    if (i === 0) {
      peakRss = sampler.peakBytes;
      maxRss = maxRssBytes();
    }
    runs.push({ findings, parseReportMs, normalizeMs, decodeMs: 0, jsonParseMs: 0 });
    log(
      `parse ${report.name}`,
      `rep ${i + 1}/${input.reps}: parseReport ${secs(parseReportMs)} s, normalize ${secs(normalizeMs)} s`,
    );
  }
  collectGarbage();
  for (const run of runs) Object.assign(run, timeDecode(body));
  sampler.stop();
  return {
    report: report.name,
    bytes: body.byteLength,
    findings: runs[0]!.findings,
    decodeMs: median(runs.map((r) => r.decodeMs)),
    jsonParseMs: median(runs.map((r) => r.jsonParseMs)),
    parseReportMs: median(runs.map((r) => r.parseReportMs)),
    normalizeMs: median(runs.map((r) => r.normalizeMs)),
    peakRss,
    maxRss,
  };
}

/** First ingest, then (unless `once`) a re-ingest of the same bytes under another commit, for each report. */
async function dbWorker(input: {
  backend: DatabaseKind;
  postgresUrl?: string;
  /** where the PGlite data directory goes; the parent removes it, whatever happens to this process */
  workDir: string;
  reports: ReportFile[];
  once?: boolean;
}): Promise<DbRun> {
  const { backend } = input;
  const sampler = new RssSampler().start();
  const db = await openBenchDatabase(backend, input.postgresUrl, input.workDir);
  collectGarbage();
  const openRss = process.memoryUsage().rss;
  log(backend, `opened ${db.location} in ${secs(db.openMs)} s, migrated in ${secs(db.migrateMs)} s; RSS now ${mib(openRss)} MiB`);
  const steps: IngestStep[] = [];
  try {
    const rec = new PhaseRecorder((rss) => sampler.note(rss));
    const system: ServiceContext = { db: db.db, actor: { type: "system", label: "bench" }, now: () => new Date() };
    const team = await createTeam(system, { slug: "bench" });
    const ctx: ServiceContext = { ...system, db: instrument(db.db, rec) };
    for (const report of input.reports) {
      const service = await createService(system, { team: team.slug, slug: `bench-${report.name}` });
      const body = readFileSync(report.file);
      for (const step of input.once ? (["first"] as const) : (["first", "re-ingest"] as const)) {
        collectGarbage();
        sampler.reset();
        log(backend, `${report.name}: ${step} ingest of ${int(report.findings)} findings (${mb(report.bytes)} MB)…`);
        const stopCpu = await startCpu(db.db, backend === "postgres");
        rec.begin();
        const t0 = performance.now();
        const result = await ingestReport(ctx, { service: service.slug, commit: commit(), branch: "main" }, body);
        const ms = performance.now() - t0;
        rec.end();
        const cpu = await stopCpu();
        checkStatistics(result, report, step);
        steps.push({
          backend,
          report: report.name,
          step,
          findings: result.statistics.findings,
          ms,
          peakRss: sampler.peakBytes,
          cpu,
          statistics: result.statistics,
          phases: rec.phases(),
        });
        log(
          backend,
          `${report.name}: ${step} took ${secs(ms)} s = ${int(report.findings / (ms / 1000))} findings/s, ${cpuNote(cpu)}, peak RSS ${mib(sampler.peakBytes)} MiB`,
        );
      }
    }
  } finally {
    await db.close();
  }
  sampler.stop();
  return { backend, location: db.location, openMs: db.openMs, migrateMs: db.migrateMs, openRss, steps, maxRss: maxRssBytes() };
}

const cpuNote = (c: CpuSample) =>
  `CPU ${secs(c.clientMs)} s here${c.serverMs === null ? "" : ` + ${secs(c.serverMs)} s in PostgreSQL`}`;

/** A benchmark of a wrong result is worthless: the generated reports must land as N new, then N unchanged findings. */
function checkStatistics(r: IngestResult, report: ReportFile, step: IngestStep["step"]): void {
  const s = r.statistics;
  // On the re-ingest the count is of stored findings: results of one package and vulnerability that the first
  // ingest merged (another target, an alias) answer as the one finding they became.
  const ok =
    !r.duplicate &&
    (step === "first"
      ? s.findings === report.findings && s.created === report.findings
      : s.findings > 0 && s.unchanged === s.findings && s.created === 0 && s.closed === 0);
  if (!ok)
    throw new Error(`${report.name} ${step}: unexpected ingest result ${JSON.stringify({ duplicate: r.duplicate, ...s })}`);
}

export const workers = { parse: parseWorker, db: dbWorker };

// ---- orchestration --------------------------------------------------------------------------------------------

async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const n = Number(flags.get("findings") ?? 100_000);
  const bigMib = Number(flags.get("big-mib") ?? 100);
  const heapMb = Number(flags.get("heap-mb") ?? 4096);
  if (!Number.isInteger(heapMb) || heapMb < 256) throw new Error("--heap-mb must be an integer ≥ 256");
  const wanted = new Set((flags.get("backends") ?? "pglite,postgres").split(","));
  const sections = new Set((flags.get("parts") ?? "parse,ingest,big").split(","));
  const reportNames = new Set((flags.get("reports") ?? "sarif,trivy").split(","));
  for (const x of [...reportNames].filter((r) => r !== "sarif" && r !== "trivy")) throw new Error(`unknown report "${x}"`);
  if (!Number.isInteger(n) || n < 1 || !(bigMib > 0)) throw new Error("--findings must be a positive integer and --big-mib > 0");
  for (const x of [...wanted].filter((b) => b !== "pglite" && b !== "postgres")) throw new Error(`unknown backend "${x}"`);
  for (const x of [...sections].filter((p) => !["parse", "ingest", "big"].includes(p))) throw new Error(`unknown part "${x}"`);
  const child = <T>(worker: keyof typeof workers, input: unknown) => runInChild<T>(THIS_FILE, worker, input, { heapMb });

  const pg = wanted.has("postgres") ? await findPostgres() : { url: undefined, reason: "not selected (--backends)" };
  const backends: DatabaseKind[] = [
    ...(wanted.has("pglite") ? (["pglite"] as const) : []),
    ...(pg.url ? (["postgres"] as const) : []),
  ];
  const pgliteVersion = (
    JSON.parse(readFileSync(path.join(process.cwd(), "node_modules/@electric-sql/pglite/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  console.log(
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${int(totalmem() / MiB)} MiB RAM; ` +
      `PGlite ${pgliteVersion}; PostgreSQL ${"version" in pg ? pg.version : `skipped: ${pg.reason}`}; worker heap ${heapMb} MB, growing by ${heapGrowthPercent() || "V8's own"}% between full collections (GATEHOUSE_HEAP_GROWTH_PERCENT)`,
  );
  console.log(loadNote());

  // Reports and PGlite data directories; removed at the end, also when interrupted (after the workers stop).
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-bench-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const unregister = onInterrupt(removeDir);
  try {
    const save = (name: ReportFile["name"], bytes: Buffer, findings: number): ReportFile => {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, bytes);
      return { name, file, bytes: bytes.byteLength, findings };
    };
    const parses: ParseRun[] = [];
    const dbRuns: DbRun[] = [];
    let t = performance.now();
    if (sections.has("parse") || sections.has("ingest")) {
      const reports = [
        ...(reportNames.has("sarif") ? [save("sarif", generateSarif({ findings: n }), n)] : []),
        ...(reportNames.has("trivy") ? [save("trivy", generateTrivy({ findings: n }), n)] : []),
      ];
      console.log(
        `Generated ${reports.map((r) => `${r.name === "sarif" ? "SARIF" : "Trivy"} ${mb(r.bytes)} MB`).join(" and ")}, ` +
          `${int(n)} findings each, in ${secs(performance.now() - t)} s`,
      );
      if (sections.has("parse")) {
        console.log("Parse only (median of 3, no database):");
        for (const report of reports) parses.push(await child<ParseRun>("parse", { report, reps: 3 }));
      }
      if (sections.has("ingest")) {
        for (const backend of backends) {
          console.log(`Ingest on ${backend}:`);
          dbRuns.push(await child<DbRun>("db", { backend, postgresUrl: pg.url, workDir: dir, reports }));
        }
      }
    }

    let big: BigRun | undefined;
    const bigBackend: DatabaseKind | undefined = backends.includes("postgres") ? "postgres" : backends[0];
    if (sections.has("big") && bigBackend) {
      t = performance.now();
      const report = save("sarif-big", sarifOfSize(bigMib * MiB, n), n);
      console.log(
        `Big report: SARIF ${mb(report.bytes)} MB (${int(n)} findings, longer messages), generated in ${secs(performance.now() - t)} s`,
      );
      const parse = await child<ParseRun>("parse", { report, reps: 1 });
      console.log(`Ingest of the big report on ${bigBackend}:`);
      const run = await child<DbRun>("db", {
        backend: bigBackend,
        postgresUrl: pg.url,
        workDir: dir,
        reports: [report],
        once: true,
      });
      // What the issue measures: the server's own RSS while it takes the report over HTTP (needs the production
      // build; `npm start` makes it when it is missing).
      let server: ServerUpload[] | undefined;
      let trivy: BigRun["trivy"];
      if (bigBackend === "postgres" && pg.url) {
        console.log("The big report through the server (node scripts/start.mjs), raw then gzipped:");
        server = await serverUploads(pg.url, report.file);
        for (const u of server) {
          console.log(`  ${u.how}: ${secs(u.ms)} s, server RSS ${mib(u.rssBefore)} MiB before, peak ${mib(u.peakRss)} MiB`);
        }
        const sized = trivyOfSize(report.bytes);
        const trivyReport = save("trivy-big", sized.body, sized.findings);
        console.log(
          `A Trivy report of the same size (${mb(trivyReport.bytes)} MB, ${int(sized.findings)} findings) through the server:`,
        );
        const uploads = await serverUploads(pg.url, trivyReport.file);
        for (const u of uploads) {
          console.log(`  ${u.how}: ${secs(u.ms)} s, server RSS ${mib(u.rssBefore)} MiB before, peak ${mib(u.peakRss)} MiB`);
        }
        trivy = { report: trivyReport, uploads };
      }
      big = { report, parse, run, ...(server ? { server } : {}), ...(trivy ? { trivy } : {}) };
    }

    printResults({ n, parses, dbRuns, big });
    console.log(`\n${loadNote()} (at the end)`);
  } finally {
    removeDir();
    unregister();
  }
}

/** Figures from a busy machine are not comparable: say how busy it was. */
function loadNote(): string {
  const [one, five] = loadavg() as [number, number, number];
  const busy = five > cpus().length * 0.75 ? " — the machine is busy, figures will be slower than on an idle one" : "";
  return `Load average ${one.toFixed(1)} (1 min), ${five.toFixed(1)} (5 min) on ${cpus().length} CPUs${busy}`;
}

// ---- output ---------------------------------------------------------------------------------------------------

const rate = (findings: number, ms: number) => findings / (ms / 1000);
const yes = (ok: boolean) => (ok ? "yes" : "**NO**");

function printResults(r: { n: number; parses: ParseRun[]; dbRuns: DbRun[]; big?: BigRun }) {
  console.log(`\n## Ingest benchmark: ${int(r.n)} findings per report\n`);
  if (r.parses.length) printParses(r.parses);
  if (r.dbRuns.length) printIngest(r.dbRuns);
  if (r.big) printBig(r.big);
  const steps = [...r.dbRuns.flatMap((d) => d.steps), ...(r.big ? r.big.run.steps : [])];
  if (steps.length) printPhases(steps);
}

function printParses(parses: ParseRun[]) {
  console.log("### Parse only (no database; median of 3; decode and JSON.parse are part of parseReport)\n");
  console.log(
    table(
      [
        "report",
        "MB",
        "decode UTF-8 s",
        "JSON.parse s",
        "parseReport s",
        "normalize s",
        "parse+normalize findings/s",
        "peak RSS MiB",
      ],
      parses.map((p) => [
        p.report,
        mb(p.bytes),
        secs(p.decodeMs),
        secs(p.jsonParseMs),
        secs(p.parseReportMs),
        secs(p.normalizeMs),
        int(rate(p.findings, p.parseReportMs + p.normalizeMs)),
        mib(Math.max(p.peakRss, p.maxRss)),
      ]),
    ),
  );
}

const inSql = (s: IngestStep) => s.phases.filter((p) => p.sql).reduce((a, p) => a + p.ms, 0);
/** The gap holding parseReport: the salt query, parsing and sha256 of the body, i.e. everything before BEGIN. */
const beforeBegin = (s: IngestStep) => s.phases.filter((p) => p.label.endsWith("→ BEGIN")).reduce((a, p) => a + p.ms, 0);

function printIngest(dbRuns: DbRun[]) {
  console.log("\n### Ingest (ingestReport end to end, one transaction each)\n");
  const rows: string[][] = [];
  for (const run of dbRuns) {
    for (const s of run.steps) {
      const perSec = rate(s.findings, s.ms);
      let target: string;
      let met: boolean;
      if (s.step === "first") {
        target = `≥ ${int(TARGET.firstPerSec[s.backend])}/s`;
        met = perSec >= TARGET.firstPerSec[s.backend];
      } else {
        const first = run.steps.find((x) => x.report === s.report && x.step === "first")!;
        const needed = TARGET.reingestSpeedup * rate(first.findings, first.ms);
        target = `≥ ${TARGET.reingestSpeedup}× first (${int(needed)}/s)`;
        met = perSec >= needed;
      }
      const row = [s.backend, s.report, s.step, secs(s.ms), int(perSec), target, yes(met)];
      const cpu = s.cpu.clientMs + (s.cpu.serverMs ?? 0);
      rows.push([...row, secs(beforeBegin(s)), secs(inSql(s)), secs(cpu), int(rate(s.findings, cpu)), mib(s.peakRss)]);
    }
  }
  const head = ["backend", "report", "step", "seconds", "findings/s", "target", "met"];
  const cpuHead = ["CPU s (process + PostgreSQL)", "findings per CPU s"];
  console.log(table([...head, "of which parse s", "of which SQL s", ...cpuHead, "peak RSS MiB (sampled)"], rows));
  console.log(
    "\nCPU s: this process (all of PGlite) plus, on PostgreSQL, its backends for the bench database, read from /proc." +
      "\nOn a shared, loaded machine wall time mostly measures waiting for a core; CPU time compares runs fairly.",
  );
  console.log("");
  console.log(
    table(
      ["backend", "database", "open s", "migrate s", "RSS when open MiB", "process maxRSS MiB"],
      dbRuns.map((d) => [d.backend, d.location, secs(d.openMs), secs(d.migrateMs), mib(d.openRss), mib(d.maxRss)]),
    ),
  );
}

function printBig({ report, parse, run, server, trivy }: BigRun) {
  const s = run.steps[0]!;
  const parseMs = parse.parseReportMs + parse.normalizeMs;
  const full = report.bytes >= 0.95 * TARGET.bigReportBytes;
  const judge = (peak: number) => (full ? yes(peak < TARGET.bigPeakRss) : "n/a (smaller report)");
  const target = `< ${int(TARGET.bigPeakRss / MiB)} MiB`;
  console.log(`\n### ${mb(report.bytes)} MB SARIF report (${int(report.findings)} findings) on ${run.backend}\n`);
  console.log(
    table(
      ["what", "seconds", "findings/s", "RSS before MiB", "peak RSS MiB (sampled)", "process maxRSS MiB", "target", "met"],
      [
        [
          "parse + normalize only",
          secs(parseMs),
          int(rate(parse.findings, parseMs)),
          "",
          mib(parse.peakRss),
          mib(parse.maxRss),
          "",
          "",
        ],
        // In a bench worker: no web app loaded, so this is below what the server needs; the server rows are the target.
        [
          "ingestReport in a worker",
          secs(s.ms),
          int(rate(s.findings, s.ms)),
          mib(run.openRss),
          mib(s.peakRss),
          mib(run.maxRss),
          "",
          "",
        ],
        ...(server ?? []).map((u) => [
          `through the server, ${u.how} (${mb(u.sentBytes)} MB sent)`,
          secs(u.ms),
          int(rate(s.findings, u.ms)),
          mib(u.rssBefore),
          mib(u.peakRss),
          "",
          target,
          judge(u.peakRss),
        ]),
        ...(trivy?.uploads ?? []).map((u) => [
          `Trivy (${mb(trivy!.report.bytes)} MB, ${int(trivy!.report.findings)} findings) through the server, ${u.how} (${mb(u.sentBytes)} MB sent)`,
          secs(u.ms),
          int(rate(trivy!.report.findings, u.ms)),
          mib(u.rssBefore),
          mib(u.peakRss),
          "",
          target,
          judge(u.peakRss),
        ]),
      ],
    ),
  );
  if (!server) console.log("\nThe server rows need PostgreSQL (the issue's figure is the server's RSS).");
}

function printPhases(all: IngestStep[]) {
  console.log("\n### Where ingest time goes (ms; sql = inside db.execute, js = between statements)\n");
  for (const backend of [...new Set(all.map((s) => s.backend))]) {
    const steps = all.filter((s) => s.backend === backend);
    const labels = [...new Set(steps.flatMap((s) => s.phases.map((p) => p.label)))];
    const rows = labels
      .map((label) => {
        const found = steps.map((s) => s.phases.find((x) => x.label === label));
        const cells = found.map((p) => (p ? `${int(p.ms)}${p.calls > 1 ? ` (${p.calls}×)` : ""}` : ""));
        return { cells: [label, ...cells], max: Math.max(...found.map((p) => p?.ms ?? 0)) };
      })
      .filter((row) => row.max >= 1)
      .map((row) => row.cells);
    rows.push(["total", ...steps.map((s) => int(s.ms))]);
    rows.push(["share in SQL", ...steps.map((s) => pct(inSql(s), s.ms))]);
    console.log(`#### ${backend}\n`);
    console.log(table(["phase", ...steps.map((s) => `${s.report} ${s.step}`)], rows));
    console.log("");
  }
  console.log(
    [
      "Reading the phases: `js: A → B` is the time after event A until event B started. Notable ones:",
      "- `js: select → BEGIN`: the salt query, then parseReport (UTF-8 decode, JSON.parse, format parser) and sha256 of the body;",
      "- `js: select → select findings` / `js: select → upsert findings`: the duplicate check, normalizeReport (fingerprints) and,",
      "  before the first upsert, the merge and building + JSON-serializing the first batch of rows;",
      "- `js: upsert findings → upsert findings`: building + JSON-serializing each further batch;",
      "- `js: select finding_tracks → insert(scans)`: the statistics and scope-row loops;",
      "- `js: COMMIT → return`: the COMMIT itself.",
    ].join("\n"),
  );
}

export const benchmark: Benchmark = {
  description:
    "ingest 100k-finding SARIF and Trivy reports on PGlite and PostgreSQL, first and unchanged re-ingest, plus a 100 MB report",
  run,
};
