import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { GetStartedService } from "@/components/dashboard/get-started";
import { EvidenceSection } from "@/components/services/evidence-section";
import { RecentDecisionsSection } from "@/components/services/recent-decisions-section";
import { ScorecardSection } from "@/components/services/scorecard-section";
import { ServiceHeader } from "@/components/services/service-header";
import { StagesSection } from "@/components/services/stages-section";
import { WaiversSection } from "@/components/services/waivers-section";
import { Section, SectionSkeleton } from "@/components/ui/section";
import { early, orNotFound, pageApi, publicUrl } from "../../_lib/page-kit";

type Params = Promise<{ slug: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: (await params).slug };
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export default async function ServicePage({ params }: { params: Params }) {
  const { slug } = await params;
  const { api, user } = await pageApi(`/services/${slug}`);
  if (!SLUG.test(slug)) notFound();
  const input = { service: slug };
  // The slower sections stream in behind their skeletons; their queries start now, alongside the first two.
  const scorecard = early(api.services.scorecard(input));
  const stages = early(api.services.stages(input));
  const decisions = early(api.services.decisions(input));
  const waivers = early(api.services.waivers(input));
  const [svc, evidence] = await Promise.all([orNotFound(api.services.get(input)), api.services.evidence(input)]);
  const now = new Date();
  const canApprove = user.role === "security" || user.role === "admin";

  return (
    <div className="space-y-6">
      <ServiceHeader svc={svc} />

      {evidence.length === 0 ? (
        <Section title="No scans yet" description="The scorecard, stages and remediation fill in from the first report.">
          <GetStartedService url={publicUrl()} service={svc.slug} team={svc.team.slug} />
        </Section>
      ) : null}

      <Suspense fallback={<SectionSkeleton title="Scorecard" rows={8} />}>
        <ScorecardSection data={scorecard} slug={svc.slug} />
      </Suspense>

      <Suspense fallback={<SectionSkeleton title="What runs in each stage" />}>
        <StagesSection data={stages} now={now} />
      </Suspense>

      <div className="grid gap-6 lg:grid-cols-2">
        <EvidenceSection evidence={evidence} now={now} />
        <Suspense fallback={<SectionSkeleton title="Waivers" />}>
          <WaiversSection data={waivers} slug={svc.slug} now={now} reviewer={canApprove ? user.email : null} />
        </Suspense>
      </div>

      <Suspense fallback={<SectionSkeleton title="Recent gate decisions" />}>
        <RecentDecisionsSection data={decisions} slug={svc.slug} now={now} />
      </Suspense>
    </div>
  );
}
