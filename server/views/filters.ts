// The dashboard's list filters and sort keys, shared by the views, their pages and the REST read API. Pure.
import { z } from "zod";
import { GRADES } from "../gate/policy";
import { SEVERITIES } from "../ingest/types";

export const TIERS = ["critical", "high", "medium", "low"] as const;
export type Tier = (typeof TIERS)[number];

export const postureFilter = z.object({
  team: z.string().trim().min(1).max(63).optional(),
  tier: z.enum(TIERS).optional(),
});
export type PostureFilter = z.input<typeof postureFilter>;

export const SERVICE_SORTS = ["grade", "name", "critical", "lastScan", "tier"] as const;

export const servicesFilter = z.object({
  team: z.string().trim().min(1).max(63).optional(),
  tier: z.enum(TIERS).optional(),
  q: z.string().trim().max(100).optional(),
  grade: z.enum(GRADES).optional(),
  sort: z.enum(SERVICE_SORTS).default("grade"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(25),
});
export type ServicesFilter = z.input<typeof servicesFilter>;

export const FINDING_SORTS = ["severity", "firstSeen", "lastSeen", "service", "title"] as const;

export const findingsFilter = z.object({
  team: z.string().trim().min(1).max(63).optional(),
  tier: z.enum(TIERS).optional(),
  service: z.string().trim().min(1).max(63).optional(),
  severity: z.array(z.enum(SEVERITIES)).max(5).optional(),
  area: z.number().int().min(1).max(7).optional(),
  tool: z.string().trim().min(1).max(100).optional(),
  status: z.enum(["open", "closed", "all"]).default("open"),
  /** only open findings past their SLA */
  sla: z.enum(["breached"]).optional(),
  /** only findings closed within the last N days (mean time to remediate) */
  closedWithinDays: z.number().int().min(1).max(3650).optional(),
  /** only findings whose vulnerability (or an alias) is on CISA's Known Exploited Vulnerabilities catalog */
  kev: z.boolean().optional(),
  /** only findings with an EPSS score at least this (0–1) */
  epssMin: z.number().min(0).max(1).optional(),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(FINDING_SORTS).default("severity"),
  dir: z.enum(["asc", "desc"]).default("desc"),
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(25),
});
export type FindingsFilter = z.input<typeof findingsFilter>;

export const decisionsFilter = z.object({
  team: z.string().trim().min(1).max(63).optional(),
  tier: z.enum(TIERS).optional(),
  service: z.string().trim().min(1).max(63).optional(),
  stage: z.string().trim().min(1).max(63).optional(),
  decision: z.enum(["allow", "block"]).optional(),
  /** only decisions of the last N days */
  days: z.number().int().min(1).max(3650).optional(),
  dir: z.enum(["asc", "desc"]).default("desc"),
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(25),
});
export type DecisionsFilter = z.input<typeof decisionsFilter>;

export const remediationFilter = z.object({
  severity: z.array(z.enum(SEVERITIES)).max(5).optional(),
  area: z.number().int().min(1).max(7).optional(),
  tool: z.string().trim().min(1).max(100).optional(),
  status: z.enum(["open", "closed", "all"]).default("open"),
  branch: z.string().trim().min(1).max(250).optional(),
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(20),
});
export type RemediationFilter = z.input<typeof remediationFilter>;
