// A waiver's states, for the verbs and the pages that filter by them. Pure.
export const WAIVER_STATUSES = ["pending", "active", "expired", "revoked"] as const;
export type WaiverStatus = (typeof WAIVER_STATUSES)[number];
