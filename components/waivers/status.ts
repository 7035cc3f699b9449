import type { WaiverStatus } from "@/server/gate/waiver-status";

/** How each waiver status reads: its sign (never colour alone), tone, tab title and empty-tab text. */
export const WAIVER_STATUS: Record<
  WaiverStatus,
  { icon: string; tone: "amber" | "blue" | "slate" | "red"; title: string; empty: string }
> = {
  pending: {
    icon: "…",
    tone: "amber",
    title: "Pending",
    empty: "Nothing waits for approval. Developers request waivers from a service's remediation view.",
  },
  active: {
    icon: "✓",
    tone: "blue",
    title: "Active",
    empty: "No waiver is in force here: the gate counts every matching finding.",
  },
  expired: {
    icon: "⌛",
    tone: "slate",
    title: "Expired",
    empty: "Waivers land here once their expiry date passes.",
  },
  revoked: {
    icon: "✕",
    tone: "red",
    title: "Revoked",
    empty: "Revoked waivers and rejected requests land here.",
  },
};
