import Link from "next/link";
import type { RouterOutputs } from "@/components/trpc/types";
import { Pill } from "@/components/ui/badges";

type Service = RouterOutputs["services"]["get"];

/** The service's name and facts, with the way to its remediation view and all its findings. */
export function ServiceHeader({ svc }: { svc: Service }) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-4">
      <div>
        <p className="text-sm text-slate-500">
          <Link className="underline" href="/services">
            Services
          </Link>{" "}
          / {svc.team.name}
        </p>
        <h1 className="text-2xl font-bold tracking-tight">{svc.name}</h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <Pill>{svc.criticality} tier</Pill>
          <span>default branch {svc.defaultBranch}</span>
          {svc.repoUrl ? (
            <a className="text-brand-700 underline" href={svc.repoUrl} rel="noopener noreferrer" target="_blank">
              Repository ↗
            </a>
          ) : null}
        </p>
      </div>
      <div className="flex flex-wrap gap-2">
        <Link
          href={`/services/${svc.slug}/remediation`}
          className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
        >
          Remediation →
        </Link>
        <Link
          href={`/findings?service=${svc.slug}`}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          All findings
        </Link>
      </div>
    </div>
  );
}
