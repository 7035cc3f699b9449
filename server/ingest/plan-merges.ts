// Tools name one vulnerability differently (npm audit: only the GHSA; Trivy: only the CVE; OSV-Scanner: both). A
// dependency finding that shares any id with stored findings of the same package joins them, and a report that
// bridges two stored findings merges them into one, so the result does not depend on the order reports arrive in.
// Findings of one report that share an id in the same package become one finding at once, as a later report would
// make them. Vendor advisories (DSA, USN, RHSA, …) name a fix that covers several vulnerabilities: they stay
// aliases, but never tie two findings together.
// Pure: data in, a plan out.

export type IncomingDependency = {
  /** the caller's handle for this finding (e.g. its index in the report) */
  ref: number;
  fingerprint: string;
  packageKey: string;
  /** vulnerability id and aliases as the tool wrote them */
  ids: readonly (string | null | undefined)[];
};

export type StoredDependency = {
  id: string;
  fingerprint: string;
  packageKey: string;
  ids: readonly (string | null | undefined)[];
  firstSeenAt: number;
};

export type FindingMerge = {
  survivor: { id: string; fingerprint: string };
  absorbed: { id: string; fingerprint: string }[];
  /** the ids that tie them together */
  via: string[];
};

export type MergePlan = {
  /** incoming findings that take another fingerprint (a stored finding's, or another of the report's): ref → fingerprint */
  adopt: Map<number, string>;
  merges: FindingMerge[];
};

/**
 * Advisories of a distribution or vendor: one advisory announces the fix of several vulnerabilities of a package
 * (DSA-5000-1 may fix CVE-A and CVE-B), so sharing one does not make two findings the same vulnerability.
 */
const GROUPING_ADVISORY =
  /^(?:DSA|DLA|DTSA|RHSA|RHBA|RHEA|CESA|ELSA|ELBA|ALSA|ALBA|RLSA|RLBA|RXSA|USN|LSN|ALAS\d*|FEDORA|GLSA|MGASA|SUSE-[A-Z]{2}|OPENSUSE-[A-Z]{2})-/;

/** Whether an id names one vulnerability (CVE, GHSA, OSV ids, a tool's own id) rather than a vendor's advisory. */
export function tiesFindings(id: string): boolean {
  return !GROUPING_ADVISORY.test(idKey(id));
}

/** An id as compared: case and surrounding space do not matter (GHSA ids are written in either case). */
function idKey(id: string): string {
  return id.trim().toUpperCase();
}

/** Every id of a finding that ties findings together, compared form, without repeats. */
function keysOf(ids: readonly (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const raw of ids) {
    if (typeof raw !== "string") continue;
    const id = idKey(raw);
    if (id === "" || GROUPING_ADVISORY.test(id)) continue;
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** A map per package: nested maps spare building (and hashing) a joined key per id. */
class ByPackage<V> {
  private readonly maps = new Map<string, Map<string, V>>();
  get(pkg: string, key: string): V | undefined {
    return this.maps.get(pkg)?.get(key);
  }
  set(pkg: string, key: string, value: V): void {
    let m = this.maps.get(pkg);
    if (!m) this.maps.set(pkg, (m = new Map()));
    m.set(key, value);
  }
}

/** The oldest finding survives (ties: the smaller id), so links to it stay valid longest. */
const older = (a: StoredDependency, b: StoredDependency) =>
  a.firstSeenAt < b.firstSeenAt || (a.firstSeenAt === b.firstSeenAt && a.id < b.id);

export function planMerges(incoming: readonly IncomingDependency[], stored: readonly StoredDependency[]): MergePlan {
  // Union-find over stored and incoming findings alike: node i < stored.length is stored[i], the rest incoming.
  const S = stored.length;
  const parent = new Int32Array(S + incoming.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[i] !== root) {
      const next = parent[i]!;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  };

  // Stored findings by fingerprint and by every id. Stored findings sharing an id stay apart until a report ties them.
  const byFingerprint = new ByPackage<number>();
  const storedById = new ByPackage<number | number[]>();
  for (let i = 0; i < S; i++) {
    const s = stored[i]!;
    byFingerprint.set(s.packageKey, s.fingerprint, i);
    for (const id of keysOf(s.ids)) {
      const had = storedById.get(s.packageKey, id);
      if (had === undefined) storedById.set(s.packageKey, id, i);
      else if (typeof had === "number") storedById.set(s.packageKey, id, [had, i]);
      else had.push(i);
    }
  }
  // Incoming findings join what shares their fingerprint or an id: stored findings, and the report's own.
  const incomingById = new ByPackage<number>();
  /** the ids links were made through: linkNodes[k] was linked through linkIds[k] */
  const linkNodes: number[] = [];
  const linkIds: string[] = [];
  for (let j = 0; j < incoming.length; j++) {
    const f = incoming[j]!;
    const node = S + j;
    const same = byFingerprint.get(f.packageKey, f.fingerprint);
    if (same === undefined) byFingerprint.set(f.packageKey, f.fingerprint, node);
    else union(same, node);
    for (const id of keysOf(f.ids)) {
      const hit = storedById.get(f.packageKey, id);
      if (hit !== undefined) {
        if (typeof hit === "number") union(hit, node);
        else for (const s of hit) union(s, node);
        linkNodes.push(node);
        linkIds.push(id);
      }
      const first = incomingById.get(f.packageKey, id);
      if (first === undefined) incomingById.set(f.packageKey, id, node);
      else {
        union(first, node);
        linkNodes.push(node);
        linkIds.push(id);
      }
    }
  }

  // Groups that hold an incoming finding; stored findings no incoming finding touches stay as they are.
  type Group = { stored: StoredDependency[]; smallest: string; via: Set<string> };
  const groups = new Map<number, Group>();
  for (let j = 0; j < incoming.length; j++) {
    const root = find(S + j);
    const fp = incoming[j]!.fingerprint;
    const g = groups.get(root);
    if (!g) groups.set(root, { stored: [], smallest: fp, via: new Set() });
    else if (fp < g.smallest) g.smallest = fp;
  }
  for (let i = 0; i < S; i++) groups.get(find(i))?.stored.push(stored[i]!);
  for (let k = 0; k < linkNodes.length; k++) groups.get(find(linkNodes[k]!))!.via.add(linkIds[k]!);

  const merges: FindingMerge[] = [];
  const fingerprintOf = new Map<number, string>();
  for (const [root, g] of groups) {
    if (g.stored.length === 0) {
      // Only this report's findings: the smallest fingerprint, whatever their order.
      fingerprintOf.set(root, g.smallest);
      continue;
    }
    const survivor = g.stored.reduce((a, b) => (older(a, b) ? a : b));
    fingerprintOf.set(root, survivor.fingerprint);
    if (g.stored.length > 1) {
      merges.push({
        survivor: { id: survivor.id, fingerprint: survivor.fingerprint },
        absorbed: g.stored
          .filter((m) => m !== survivor)
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((m) => ({ id: m.id, fingerprint: m.fingerprint })),
        via: [...g.via].sort(),
      });
    }
  }
  merges.sort((a, b) => (a.survivor.id < b.survivor.id ? -1 : 1));
  const adopt = new Map<number, string>();
  for (let j = 0; j < incoming.length; j++) {
    const root = find(S + j);
    const fp = fingerprintOf.get(root)!;
    // A stored finding's fingerprint is always adopted (the caller keys its sighting on it); the report's own only when it differs.
    if (groups.get(root)!.stored.length > 0 || fp !== incoming[j]!.fingerprint) adopt.set(incoming[j]!.ref, fp);
  }
  return { adopt, merges };
}
