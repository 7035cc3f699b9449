// `npm run demo`: realistic teams, services and 60 days of scanner reports, gate decisions, deployments,
// waivers and daily scorecards, so that every dashboard has something to show at once. Idempotent per name:
// it refuses to run twice on the same database.
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { teams } from "@/db/schema";
import type { ServiceContext } from "../context";
import { recordDeployment } from "../gate/deployments";
import { evaluateGateRequest } from "../gate/evaluate-gate";
import { createWaiver } from "../gate/waivers";
import { ingestReport } from "../ingest/ingest-report";
import { snapshotScorecards } from "../scoring/snapshot";
import { createService } from "../services/services";
import { createTeam } from "../teams/teams";
import { demoPipeline } from "./demo-pipelines";
import {
  checkovReport,
  cyclonedxSbom,
  DAST_ALERTS,
  gitleaksReport,
  IAC_CHECKS,
  SAST_RULES,
  scorecardReport,
  semgrepSarif,
  trivyReport,
  VULNS,
  zapReport,
} from "./demo-reports";

type DemoService = {
  team: string;
  slug: string;
  name: string;
  criticality: "critical" | "high" | "medium" | "low";
  repo: string;
  /** how healthy the service is: 0 (neglected) … 1 (exemplary) */
  care: number;
  scanners: ("trivy" | "semgrep" | "gitleaks" | "checkov" | "zap" | "sbom" | "scorecard" | "pipeline")[];
};

export const DEMO_SERVICES: DemoService[] = [
  {
    team: "payments",
    slug: "checkout",
    name: "Checkout",
    criticality: "critical",
    repo: "https://github.com/acme/checkout",
    care: 0.8,
    scanners: ["trivy", "semgrep", "gitleaks", "checkov", "zap", "sbom", "scorecard", "pipeline"],
  },
  {
    team: "payments",
    slug: "ledger",
    name: "Ledger",
    criticality: "high",
    repo: "https://github.com/acme/ledger",
    care: 0.5,
    scanners: ["trivy", "semgrep", "gitleaks", "sbom", "pipeline"],
  },
  {
    team: "platform",
    slug: "api-gateway",
    name: "API gateway",
    criticality: "critical",
    repo: "https://github.com/acme/api-gateway",
    care: 0.3,
    scanners: ["trivy", "semgrep", "gitleaks", "checkov", "scorecard", "pipeline"],
  },
  {
    team: "platform",
    slug: "auth-service",
    name: "Auth service",
    criticality: "high",
    repo: "https://github.com/acme/auth-service",
    care: 0.9,
    scanners: ["trivy", "semgrep", "gitleaks", "checkov", "zap", "sbom", "scorecard", "pipeline"],
  },
  {
    team: "web",
    slug: "storefront",
    name: "Storefront",
    criticality: "medium",
    repo: "https://gitlab.com/acme/storefront",
    care: 0.6,
    scanners: ["trivy", "semgrep", "zap", "pipeline"],
  },
  {
    team: "web",
    slug: "docs-site",
    name: "Docs site",
    criticality: "low",
    repo: "https://gitlab.com/acme/docs-site",
    care: 0.2,
    scanners: ["semgrep", "pipeline"],
  },
];

const DAYS = 60;
const STEP = 4;

/** A deterministic 0..1 value per string: the demo looks the same every time. */
const chance = (...parts: (string | number)[]) =>
  parseInt(createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 8), 16) / 0xffffffff;
const commitOf = (svc: string, day: number) => createHash("sha1").update(`${svc}@${day}`).digest("hex");
const digestOf = (svc: string, day: number) => `sha256:${createHash("sha256").update(`${svc}#${day}`).digest("hex")}`;

/** Is finding `key` present on `day`? It appears at some point and, for well-cared-for services, gets fixed. */
function present(svc: DemoService, key: string, day: number): boolean {
  const appears = Math.floor(chance(svc.slug, key, "appears") * DAYS * 0.6);
  if (day < appears) return false;
  if (chance(svc.slug, key, "exists") > 0.35 + (1 - svc.care) * 0.5) return false;
  const fixAfter = 6 + Math.floor(chance(svc.slug, key, "fix") * 50 * (1.3 - svc.care));
  const fixed = chance(svc.slug, key, "fixed") < svc.care && day >= appears + fixAfter;
  // A few come back after a fix (a reverted commit): the lifecycle shows a reopen.
  const reopened = fixed && chance(svc.slug, key, "reopen") < 0.08 && day >= appears + fixAfter + 8;
  return !fixed || reopened;
}

export type DemoResult = {
  teams: number;
  services: number;
  scans: number;
  decisions: number;
  deployments: number;
  snapshots: number;
};

export async function loadDemo(base: ServiceContext, opts: { today?: Date } = {}): Promise<DemoResult> {
  const [existing] = await base.db.select().from(teams).where(eq(teams.slug, "payments")).limit(1);
  if (existing)
    throw new Error('The demo data is already loaded (team "payments" exists). Use a fresh GATEHOUSE_DATA_DIR or database.');
  const today = opts.today ?? new Date();
  // 09:00 UTC on each past day; today's activity ends hours before now, so nothing lies in the future.
  const dayStart = (offset: number) => {
    const t = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - offset, 9, 0, 0);
    return new Date(offset === 0 ? Math.min(t, today.getTime() - 3 * 3_600_000) : t);
  };
  const at = (offset: number, minutes = 0): ServiceContext => {
    const t = new Date(Math.min(dayStart(offset).getTime() + minutes * 60_000, today.getTime()));
    return { ...base, actor: { type: "system", label: "demo" }, now: () => t };
  };
  const result: DemoResult = { teams: 0, services: 0, scans: 0, decisions: 0, deployments: 0, snapshots: 0 };

  const start = at(DAYS + 1);
  for (const team of [...new Set(DEMO_SERVICES.map((s) => s.team))]) {
    await createTeam(start, { slug: team, name: team[0]!.toUpperCase() + team.slice(1) });
    result.teams++;
  }
  for (const s of DEMO_SERVICES) {
    await createService(start, { team: s.team, slug: s.slug, name: s.name, repoUrl: s.repo, criticality: s.criticality });
    result.services++;
  }

  for (let offset = DAYS; offset >= 0; offset--) {
    const day = DAYS - offset;
    if (day % STEP === 0 || offset === 0) {
      for (const s of DEMO_SERVICES) {
        // Pipelines that stopped reporting: the docs site has not run a scan for three weeks.
        if (s.slug === "docs-site" && offset < 21 && offset !== 0) continue;
        if (s.slug === "docs-site" && offset === 0) continue;
        const ctx = at(offset, 10);
        const commit = commitOf(s.slug, day);
        const digest = digestOf(s.slug, day);
        const upload = async (body: string, extra: { artifact?: string; format?: string; path?: string } = {}) => {
          await ingestReport(ctx, { service: s.slug, commit, branch: "main", ...extra }, new TextEncoder().encode(body));
          result.scans++;
        };
        const vulns = VULNS.filter((v) => present(s, v.id, day));
        const rules = SAST_RULES.filter((r) => present(s, r.id, day));
        for (const scanner of s.scanners) {
          if (scanner === "trivy")
            await upload(
              trivyReport(`registry.acme.dev/${s.slug}:${commit.slice(0, 7)}`, digest, vulns, ctx.now().toISOString()),
              { artifact: digest },
            );
          if (scanner === "semgrep") await upload(semgrepSarif(rules, day % 3));
          if (scanner === "gitleaks") {
            const leaks = present(s, "leak", day)
              ? [
                  {
                    file: "config/prod.env",
                    line: 12,
                    rule: "generic-api-key",
                    secret: `sk_live_${createHash("md5").update(s.slug).digest("hex")}`,
                  },
                ]
              : [];
            await upload(gitleaksReport(leaks), { format: "gitleaks" });
          }
          if (scanner === "checkov") await upload(checkovReport(IAC_CHECKS.filter((c) => present(s, c.id, day))));
          if (scanner === "zap")
            await upload(
              zapReport(
                `${s.slug}.acme.dev`,
                DAST_ALERTS.filter((a) => present(s, a.pluginid, day)),
                ctx.now(),
              ),
              { artifact: digest },
            );
          if (scanner === "sbom") {
            const comps = VULNS.filter((v) => v.ecosystem === "npm").map((v) => ({
              name: v.pkg,
              version: v.version,
              purl: `pkg:npm/${v.pkg.replace("@", "%40")}@${v.version}`,
            }));
            await upload(cyclonedxSbom(s.slug, comps), { artifact: digest });
          }
          if (scanner === "pipeline") {
            // The pipeline uploads its own definition: Gatehouse checks the gate is really in it.
            const p = demoPipeline(s.slug, s.repo.includes("gitlab") ? "gitlab" : "github", s.care);
            await upload(p.text, { path: p.path });
          }
          if (scanner === "scorecard") {
            await upload(
              scorecardReport(
                `github.com/acme/${s.slug}`,
                commit,
                [
                  {
                    name: "Branch-Protection",
                    score: s.care > 0.7 ? 8 : 3,
                    reason: "branch protection is not maximal on development and all release branches",
                  },
                  { name: "Pinned-Dependencies", score: s.care > 0.5 ? 7 : 2, reason: "dependency not pinned by hash detected" },
                  {
                    name: "Token-Permissions",
                    score: s.care > 0.6 ? 10 : 0,
                    reason: "detected GitHub workflow tokens with excessive permissions",
                  },
                  { name: "Dangerous-Workflow", score: 10, reason: "no dangerous workflow patterns detected" },
                ],
                ctx.now(),
              ),
            );
          }
        }
        // Promote through test, then production when allowed; one team skips the gate once.
        const gate = async (stage: string, minutes: number) => {
          const d = await evaluateGateRequest(
            { ...at(offset, minutes), actor: { type: "system", label: `ci:${s.slug}` } },
            { service: s.slug, stage, commit, artifact: digest, branch: "main" },
          );
          result.decisions++;
          return d;
        };
        const test = await gate("test", 30);
        if (test.decision === "allow") {
          await recordDeployment(at(offset, 35), {
            service: s.slug,
            stage: "test",
            commit,
            artifact: digest,
            decisionId: test.decisionId,
          });
          result.deployments++;
          const prod = await gate("production", 60);
          if (prod.decision === "allow") {
            await recordDeployment(at(offset, 65), {
              service: s.slug,
              stage: "production",
              commit,
              artifact: digest,
              decisionId: prod.decisionId,
            });
            result.deployments++;
          }
        }
        if (s.slug === "api-gateway" && day === 40) {
          // A hotfix pushed straight to production: the bypass shows on the posture page.
          await recordDeployment(at(offset, 90), { service: s.slug, stage: "production", commit, artifact: digest });
          result.deployments++;
        }
      }
      if (day === 24) {
        await createWaiver(
          // Demo history: an accepted risk, already approved (only Gatehouse itself may record one in one step).
          { ...at(offset, 120), actor: { type: "system", label: "demo:security-lead" } },
          {
            service: "ledger",
            match: { type: "vulnerability", value: "CVE-2023-0286" },
            reason: "X.400 addresses are never parsed: the service does not process CRLs. Revisit with the base image bump.",
            expiresInDays: 60,
            stages: ["test", "production"],
            approve: true,
          },
        );
      }
    }
    result.snapshots += (
      await snapshotScorecards(at(offset, 23 * 60), { day: dayStart(offset).toISOString().slice(0, 10) })
    ).length;
  }
  return result;
}
