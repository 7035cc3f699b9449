// The two threat-intelligence feeds, as their publishers write them. Pure: text in, rows out, or IntelFormatError.
//  - CISA KEV: JSON { catalogVersion, dateReleased, count, vulnerabilities: [{ cveID, dateAdded, dueDate, … }] }
//  - FIRST EPSS: CSV, "#model_version:…,score_date:…" comment, header "cve,epss,percentile", one row per CVE

/** A feed that is not in its publisher's format: nothing is imported. */
export class IntelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IntelFormatError";
  }
}

export type KevEntry = {
  cveId: string;
  vendorProject: string;
  product: string;
  name: string;
  /** YYYY-MM-DD */
  dateAdded: string;
  /** YYYY-MM-DD: CISA's remediation due date for federal agencies */
  dueDate: string;
  requiredAction: string;
  knownRansomware: string;
};

export type KevCatalog = { version: string | null; releasedAt: Date | null; entries: KevEntry[] };

export type EpssScore = { cveId: string; epss: number; percentile: number };
export type EpssFile = { modelVersion: string | null; scoreDate: Date | null; scores: EpssScore[] };

const CVE = /^CVE-\d{4}-\d{4,}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function validDay(v: unknown): v is string {
  return typeof v === "string" && DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

function parseDate(v: unknown): Date | null {
  if (typeof v !== "string" || v.trim() === "") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function parseKevCatalog(text: string): KevCatalog {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new IntelFormatError(`KEV catalog: not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(doc) || !Array.isArray(doc.vulnerabilities))
    throw new IntelFormatError("KEV catalog: expected an object with a vulnerabilities array (CISA's catalog JSON)");
  const seen = new Map<string, KevEntry>();
  doc.vulnerabilities.forEach((v: unknown, i: number) => {
    const at = `KEV catalog: vulnerabilities[${i}]`;
    if (!isObj(v)) throw new IntelFormatError(`${at}: expected an object`);
    const cve = typeof v.cveID === "string" ? v.cveID.trim().toUpperCase() : "";
    if (!CVE.test(cve)) throw new IntelFormatError(`${at}.cveID: expected a CVE id, got ${JSON.stringify(v.cveID)}`);
    if (!validDay(v.dateAdded)) throw new IntelFormatError(`${at}.dateAdded: expected YYYY-MM-DD (${cve})`);
    if (!validDay(v.dueDate)) throw new IntelFormatError(`${at}.dueDate: expected YYYY-MM-DD (${cve})`);
    const text = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : "");
    seen.set(cve, {
      cveId: cve,
      vendorProject: text("vendorProject"),
      product: text("product"),
      name: text("vulnerabilityName"),
      dateAdded: v.dateAdded,
      dueDate: v.dueDate,
      requiredAction: text("requiredAction"),
      knownRansomware: text("knownRansomwareCampaignUse") || "Unknown",
    });
  });
  const entries = [...seen.values()];
  if (typeof doc.count === "number" && doc.count !== doc.vulnerabilities.length)
    throw new IntelFormatError(
      `KEV catalog: count says ${doc.count} but ${doc.vulnerabilities.length} vulnerabilities are listed (truncated download?)`,
    );
  if (entries.length === 0) throw new IntelFormatError("KEV catalog: no vulnerabilities listed");
  return {
    version: typeof doc.catalogVersion === "string" ? doc.catalogVersion : null,
    releasedAt: parseDate(doc.dateReleased),
    entries,
  };
}

const SCORE = /^(?:0(?:\.\d+)?|1(?:\.0+)?|\d(?:\.\d+)?[eE]-\d+)$/;

function probability(raw: string, what: string, line: number): number {
  const t = raw.trim();
  const n = Number(t);
  if (!SCORE.test(t) || !Number.isFinite(n) || n < 0 || n > 1)
    throw new IntelFormatError(`EPSS file line ${line}: ${what} must be a number from 0 to 1, got ${JSON.stringify(raw)}`);
  return n;
}

export function parseEpssCsv(text: string): EpssFile {
  let modelVersion: string | null = null;
  let scoreDate: Date | null = null;
  const scores = new Map<string, EpssScore>();
  let header = false;
  let line = 0;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    let row = text.slice(pos, end);
    pos = end + 1;
    line++;
    if (row.endsWith("\r")) row = row.slice(0, -1);
    if (row.trim() === "") continue;
    if (row.startsWith("#")) {
      // #model_version:v2025.03.14,score_date:2025-09-03T00:00:00+0000
      for (const part of row.slice(1).split(",")) {
        const i = part.indexOf(":");
        if (i < 0) continue;
        const key = part.slice(0, i).trim();
        const value = part.slice(i + 1).trim();
        if (key === "model_version") modelVersion = value || null;
        if (key === "score_date") scoreDate = parseDate(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
      }
      continue;
    }
    if (!header) {
      const cols = row.split(",").map((c) => c.trim().toLowerCase());
      if (cols[0] !== "cve" || cols[1] !== "epss" || cols[2] !== "percentile")
        throw new IntelFormatError(
          `EPSS file line ${line}: expected the header "cve,epss,percentile", got ${JSON.stringify(row.slice(0, 80))}`,
        );
      header = true;
      continue;
    }
    const cells = row.split(",");
    if (cells.length !== 3) throw new IntelFormatError(`EPSS file line ${line}: expected 3 columns, got ${cells.length}`);
    const cve = cells[0]!.trim().toUpperCase();
    if (!CVE.test(cve)) throw new IntelFormatError(`EPSS file line ${line}: expected a CVE id, got ${JSON.stringify(cells[0])}`);
    scores.set(cve, {
      cveId: cve,
      epss: probability(cells[1]!, "epss", line),
      percentile: probability(cells[2]!, "percentile", line),
    });
  }
  if (!header) throw new IntelFormatError('EPSS file: no "cve,epss,percentile" header (is this the EPSS CSV?)');
  if (scores.size === 0) throw new IntelFormatError("EPSS file: no scores");
  return { modelVersion, scoreDate, scores: [...scores.values()] };
}
