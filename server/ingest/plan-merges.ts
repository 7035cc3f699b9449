// Tools name one vulnerability differently (npm audit: only the GHSA; Trivy: only the CVE; OSV-Scanner: both). A
// dependency finding that shares any id with stored findings of the same package joins them, and a report that
// bridges two stored findings merges them into one, so the result does not depend on the order reports arrive in.
// Findings of one report that share an id in the same package become one finding at once, as a later report would
// make them. Vendor advisories (DSA, USN, RHSA, …) name a fix that covers several vulnerabilities: they stay
// aliases, but never tie two findings together.
// Pure: data in, a plan out.
import { canonicalVulnId } from "./util";

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
  return !GROUPING_ADVISORY.test(id.trim().toUpperCase());
}

const idKey = (id: string) => canonicalVulnId(id).trim().toUpperCase();
const keysOf = (ids: readonly (string | null | undefined)[]) => [
  ...new Set(
    ids
      .filter((x): x is string => typeof x === "string" && x.trim() !== "")
      .map(idKey)
      .filter(tiesFindings),
  ),
];

/** The oldest finding survives (ties: the smaller id), so links to it stay valid longest. */
const older = (a: StoredDependency, b: StoredDependency) =>
  a.firstSeenAt < b.firstSeenAt || (a.firstSeenAt === b.firstSeenAt && a.id < b.id);

type Node = { stored: StoredDependency } | { incoming: IncomingDependency };

export function planMerges(incoming: readonly IncomingDependency[], stored: readonly StoredDependency[]): MergePlan {
  // Union-find over stored and incoming findings alike: node i < stored.length is stored[i], the rest incoming.
  const nodes: Node[] = [...stored.map((s) => ({ stored: s })), ...incoming.map((f) => ({ incoming: f }))];
  const parent = nodes.map((_, i) => i);
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
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  /** the ids each link was made through, by the node it links to the group */
  const links: { node: number; ids: string[] }[] = [];

  // The first node of each (package, id) and (package, fingerprint) seen: later ones join it.
  const firstByKey = new Map<string, number>();
  const join = (key: string, node: number, id?: string) => {
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, node);
    else {
      union(first, node);
      links.push({ node, ids: id ? [id] : [] });
    }
  };
  stored.forEach((s, i) => {
    join(`fp\u0000${s.packageKey}\u0000${s.fingerprint}`, i);
    for (const k of keysOf(s.ids)) {
      // Stored findings sharing an id were kept apart by an earlier plan (or predate the rule): only a report ties them.
      if (!firstByKey.has(`id\u0000${s.packageKey}\u0000${k}`)) firstByKey.set(`id\u0000${s.packageKey}\u0000${k}`, i);
    }
  });
  // Stored findings are indexed by every id, so that an incoming finding reaches all of them.
  const storedById = new Map<string, number[]>();
  stored.forEach((s, i) => {
    for (const k of keysOf(s.ids)) {
      const key = `${s.packageKey}\u0000${k}`;
      const list = storedById.get(key);
      if (list) list.push(i);
      else storedById.set(key, [i]);
    }
  });
  incoming.forEach((f, j) => {
    const node = stored.length + j;
    join(`fp\u0000${f.packageKey}\u0000${f.fingerprint}`, node);
    for (const k of keysOf(f.ids)) {
      for (const s of storedById.get(`${f.packageKey}\u0000${k}`) ?? []) {
        union(s, node);
        links.push({ node, ids: [k] });
      }
      join(`id\u0000${f.packageKey}\u0000${k}`, node, k);
    }
  });

  type Group = { stored: StoredDependency[]; incoming: IncomingDependency[]; via: Set<string> };
  const groups = new Map<number, Group>();
  const groupOf = (i: number) => {
    const root = find(i);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { stored: [], incoming: [], via: new Set() }));
    return g;
  };
  nodes.forEach((n, i) => {
    const g = groupOf(i);
    if ("stored" in n) g.stored.push(n.stored);
    else g.incoming.push(n.incoming);
  });
  for (const l of links) for (const id of l.ids) groupOf(l.node).via.add(id);

  const merges: FindingMerge[] = [];
  const adopt = new Map<number, string>();
  for (const g of groups.values()) {
    if (g.incoming.length === 0) continue; // stored findings no incoming finding touches stay as they are
    let fingerprint: string;
    if (g.stored.length > 0) {
      const unique = [...new Map(g.stored.map((m) => [m.id, m])).values()];
      const survivor = unique.reduce((a, b) => (older(a, b) ? a : b));
      fingerprint = survivor.fingerprint;
      if (unique.length > 1) {
        merges.push({
          survivor: { id: survivor.id, fingerprint: survivor.fingerprint },
          absorbed: unique
            .filter((m) => m !== survivor)
            .sort((a, b) => (a.id < b.id ? -1 : 1))
            .map((m) => ({ id: m.id, fingerprint: m.fingerprint })),
          via: [...g.via].sort(),
        });
      }
    } else {
      // Only this report's findings: the smallest fingerprint, whatever their order.
      fingerprint = g.incoming.reduce((a, b) => (b.fingerprint < a ? b.fingerprint : a), g.incoming[0]!.fingerprint);
    }
    for (const f of g.incoming) if (f.fingerprint !== fingerprint || g.stored.length > 0) adopt.set(f.ref, fingerprint);
  }
  merges.sort((a, b) => (a.survivor.id < b.survivor.id ? -1 : 1));
  return { adopt, merges };
}
