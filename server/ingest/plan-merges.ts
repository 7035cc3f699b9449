// Tools name one vulnerability differently (npm audit: only the GHSA; Trivy: only the CVE; OSV-Scanner: both). A
// dependency finding that shares any id with stored findings of the same package joins them, and a report that
// bridges two stored findings merges them into one, so the result does not depend on the order reports arrive in.
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
  /** incoming findings that take a stored finding's fingerprint: ref → fingerprint */
  adopt: Map<number, string>;
  merges: FindingMerge[];
};

const idKey = (id: string) => canonicalVulnId(id).trim().toUpperCase();
const keysOf = (ids: readonly (string | null | undefined)[]) => [
  ...new Set(ids.filter((x): x is string => typeof x === "string" && x.trim() !== "").map(idKey)),
];

/** The oldest finding survives (ties: the smaller id), so links to it stay valid longest. */
const older = (a: StoredDependency, b: StoredDependency) =>
  a.firstSeenAt < b.firstSeenAt || (a.firstSeenAt === b.firstSeenAt && a.id < b.id);

export function planMerges(incoming: readonly IncomingDependency[], stored: readonly StoredDependency[]): MergePlan {
  const byFingerprint = new Map<string, StoredDependency>();
  const byId = new Map<string, StoredDependency[]>();
  for (const s of stored) {
    byFingerprint.set(`${s.packageKey}\u0000${s.fingerprint}`, s);
    for (const k of keysOf(s.ids)) {
      const key = `${s.packageKey}\u0000${k}`;
      byId.set(key, [...(byId.get(key) ?? []), s]);
    }
  }

  // Union-find over stored findings: an incoming finding joins every stored finding it matches.
  const parent = new Map<string, StoredDependency>();
  const find = (s: StoredDependency): StoredDependency => {
    let root = s;
    while (parent.get(root.id) && parent.get(root.id) !== root) root = parent.get(root.id)!;
    let cur = s;
    while (cur !== root) {
      const next = parent.get(cur.id)!;
      parent.set(cur.id, root);
      cur = next;
    }
    return root;
  };
  const involved = new Set<StoredDependency>();
  const union = (a: StoredDependency, b: StoredDependency) => {
    involved.add(a).add(b);
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    if (older(ra, rb)) parent.set(rb.id, ra);
    else parent.set(ra.id, rb);
  };
  const bridges: { member: StoredDependency; ids: string[] }[] = [];

  const matched = new Map<number, StoredDependency>();
  for (const f of incoming) {
    const matches = new Set<StoredDependency>();
    const same = byFingerprint.get(`${f.packageKey}\u0000${f.fingerprint}`);
    if (same) matches.add(same);
    const shared = new Set<string>();
    for (const k of keysOf(f.ids)) {
      for (const s of byId.get(`${f.packageKey}\u0000${k}`) ?? []) {
        matches.add(s);
        shared.add(k);
      }
    }
    const list = [...matches];
    if (list.length === 0) continue;
    for (let i = 1; i < list.length; i++) union(list[0]!, list[i]!);
    matched.set(f.ref, list[0]!);
    if (list.length > 1) bridges.push({ member: list[0]!, ids: [...shared] });
  }

  const groups = new Map<string, StoredDependency[]>();
  for (const s of involved) {
    const root = find(s);
    groups.set(root.id, [...(groups.get(root.id) ?? []), s]);
  }
  const viaOf = new Map<string, Set<string>>();
  for (const b of bridges) {
    const root = find(b.member).id;
    const via = viaOf.get(root) ?? new Set<string>();
    for (const k of b.ids) via.add(k);
    viaOf.set(root, via);
  }
  const merges: FindingMerge[] = [];
  for (const [root, members] of groups) {
    const unique = [...new Map(members.map((m) => [m.id, m])).values()];
    if (unique.length < 2) continue;
    const survivor = unique.reduce((a, b) => (older(a, b) ? a : b));
    const via = viaOf.get(root) ?? new Set<string>();
    merges.push({
      survivor: { id: survivor.id, fingerprint: survivor.fingerprint },
      absorbed: unique
        .filter((m) => m !== survivor)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((m) => ({ id: m.id, fingerprint: m.fingerprint })),
      via: [...via].sort(),
    });
  }
  merges.sort((a, b) => (a.survivor.id < b.survivor.id ? -1 : 1));

  const adopt = new Map<number, string>();
  for (const [ref, s] of matched) adopt.set(ref, find(s).fingerprint);
  return { adopt, merges };
}
