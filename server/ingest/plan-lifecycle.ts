// What one upload does to the lifecycle of a service's findings, decided from data alone (no database, no clock).
//
// Evidence at a commit only accumulates: a later report of the same commit and track that no longer lists a finding
// does not close it (it is "retracted": it still counts for that commit, and the upload says so). A finding closes in a
// track only when a complete scan of another commit in that track no longer reports it.
import type { Severity } from "./types";

/** An upload's statistics: findings = created + merged + unchanged + reopened (suppressed ones count nowhere). */
export type LifecycleStatistics = {
  findings: number;
  /** new to the service */
  created: number;
  /** known to the service, reported by a new source (tool, branch, category, subject or target) */
  merged: number;
  unchanged: number;
  reopened: number;
  closed: number;
  retracted: number;
  bySeverity: Record<Severity, number>;
};

/** The parts of a track key, joined with U+0001 in this order (views read branch and tool by position). */
export type TrackParts = { branch: string; tool: string; category: string; subject: "artifact" | "source"; target: string };

export const TRACK_SEPARATOR = "\u0001";

export function trackKeyOf(s: TrackParts): string {
  return [s.branch, s.tool, s.category, s.subject, s.target].join(TRACK_SEPARATOR);
}

export function trackParts(key: string): TrackParts {
  const [branch = "", tool = "", category = "", subject = "source", target = ""] = key.split(TRACK_SEPARATOR);
  return { branch, tool, category, subject: subject === "artifact" ? "artifact" : "source", target };
}

/** A finding this report lists, already resolved to its stored id (or a new id). */
export type ReportedFinding = {
  id: string;
  /** true when the service had no finding with this identity before this upload */
  isNew: boolean;
  trackKeys: ReadonlySet<string>;
  suppressed: boolean;
  severity: Severity;
};

export type LifecycleInput = {
  findings: readonly ReportedFinding[];
  /** per track of this report: every finding the track has a row for, with its status there */
  prior: ReadonlyMap<string, ReadonlyMap<string, "open" | "closed">>;
  /** per track of this report: findings an earlier scan of the same commit reported (unsuppressed) in that track */
  sightedAtCommit: ReadonlyMap<string, ReadonlySet<string>>;
  /** the scanner said its run failed: nothing closes and nothing is retracted */
  failed: boolean;
};

export type TrackPlan = {
  key: string;
  /** findings seen in this track for the first time */
  fresh: string[];
  /** findings this track already has a row for, open or closed (closed ones reopen) */
  seen: string[];
  /** findings this track had open and a scan of another commit no longer reports */
  close: string[];
};

export type LifecyclePlan = {
  tracks: TrackPlan[];
  statistics: LifecycleStatistics;
  /** findings earlier reports of this commit listed in these tracks and this one does not: they keep counting */
  retracted: string[];
  /** findings closed in at least one track */
  closed: string[];
};

const emptyBySeverity = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

export function planLifecycle(input: LifecycleInput): LifecyclePlan {
  const tracks = new Map<string, TrackPlan>();
  const scopeOf = (key: string) => {
    let s = tracks.get(key);
    if (!s) tracks.set(key, (s = { key, fresh: [], seen: [], close: [] }));
    return s;
  };
  for (const key of input.prior.keys()) scopeOf(key);

  const stats: LifecycleStatistics = {
    findings: 0,
    created: 0,
    merged: 0,
    unchanged: 0,
    reopened: 0,
    closed: 0,
    retracted: 0,
    bySeverity: emptyBySeverity(),
  };
  const reportedIn = new Map<string, Set<string>>();
  for (const f of input.findings) {
    let outcome: "created" | "merged" | "unchanged" | "reopened" = f.isNew ? "created" : "unchanged";
    for (const key of f.trackKeys) {
      const before = input.prior.get(key)?.get(f.id);
      const plan = scopeOf(key);
      if (before === undefined) {
        plan.fresh.push(f.id);
        if (outcome === "unchanged") outcome = "merged";
      } else {
        plan.seen.push(f.id);
        if (before === "closed" && !f.isNew) outcome = "reopened";
      }
      let set = reportedIn.get(key);
      if (!set) reportedIn.set(key, (set = new Set()));
      set.add(f.id);
    }
    // Suppressed findings are kept as evidence but counted nowhere, so findings = created + merged + unchanged + reopened.
    if (f.suppressed) continue;
    stats.findings++;
    stats.bySeverity[f.severity]++;
    stats[outcome]++;
  }

  const closed = new Set<string>();
  const retracted = new Set<string>();
  if (!input.failed) {
    for (const [key, before] of input.prior) {
      const reported = reportedIn.get(key);
      const sighted = input.sightedAtCommit.get(key);
      for (const [id, status] of before) {
        if (reported?.has(id)) continue;
        if (sighted?.has(id)) {
          retracted.add(id);
          continue;
        }
        if (status !== "open") continue;
        scopeOf(key).close.push(id);
        closed.add(id);
      }
    }
  }
  stats.closed = closed.size;
  stats.retracted = retracted.size;
  return {
    tracks: [...tracks.values()],
    statistics: stats,
    retracted: [...retracted].sort(),
    closed: [...closed].sort(),
  };
}
