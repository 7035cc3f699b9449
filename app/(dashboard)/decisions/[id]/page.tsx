import type { Metadata } from "next";
import Link from "next/link";
import { ChecksList } from "@/components/dashboard/checks-list";
import { DecisionBadge, Pill } from "@/components/ui/badges";
import { dateTime } from "@/components/ui/format";
import { Section } from "@/components/ui/section";
import { orNotFound, pageApi } from "../../_lib/page-kit";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Decision ${(await params).id}` };
}

export default async function DecisionPage({ params }: { params: Params }) {
  const { id } = await params;
  const { api } = await pageApi(`/decisions/${encodeURIComponent(id)}`);
  const d = await orNotFound(api.decisions.get({ id: id.slice(0, 100) }));
  const r = d.response;
  const failed = r.checks.filter((c) => c.status === "fail").length;

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link className="underline" href="/decisions">
            Gate decisions
          </Link>{" "}
          / <span className="font-mono">{d.id}</span>
        </p>
        <h1 className="mt-1 flex flex-wrap items-center gap-3 text-xl font-bold tracking-tight">
          <DecisionBadge decision={r.decision} />
          <span>
            <Link className="text-brand-700 underline" href={`/services/${d.service.slug}`}>
              {d.service.name}
            </Link>{" "}
            → <span className="capitalize">{r.stage}</span>
          </span>
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          {r.decision === "block"
            ? `${failed} failing ${failed === 1 ? "check" : "checks"} blocked it.`
            : "Every blocking check passed."}{" "}
          Asked by {d.actor}, answered {dateTime(r.evaluatedAt)}; this record cannot change.
        </p>
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <Section title="Checks" description="Exactly as the pipeline received them." className="lg:col-span-2">
          <ChecksList checks={r.checks} />
        </Section>
        <div className="space-y-6">
          <Section title="Request">
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1.5 text-sm">
              <dt className="text-slate-500">Commit</dt>
              <dd className="font-mono text-xs break-all">{r.commit}</dd>
              <dt className="text-slate-500">Artifact</dt>
              <dd className="font-mono text-xs break-all">{r.artifact ?? "—"}</dd>
              <dt className="text-slate-500">Branch</dt>
              <dd>{r.branch ?? "—"}</dd>
              <dt className="text-slate-500">Policy</dt>
              <dd>
                {r.stage} v{r.policy.version}
              </dd>
              <dt className="text-slate-500">Evidence</dt>
              <dd className="font-mono text-xs break-all">{r.evidence.length ? r.evidence.join(", ") : "none"}</dd>
            </dl>
          </Section>
          <Section title="Waivers applied">
            {r.waiversApplied.length === 0 ? (
              <p className="text-sm text-slate-600">None.</p>
            ) : (
              <ul className="space-y-2 text-sm">
                {r.waiversApplied.map((w) => (
                  <li key={w.id}>
                    <Pill tone="blue">{w.kind === "false_positive" ? "false positive" : "waiver"}</Pill>{" "}
                    <code className="text-xs break-all">
                      {w.match.type}: {w.match.value}
                    </code>
                    <p className="text-slate-700">{w.reason}</p>
                    <p className="text-xs text-slate-500">{w.expiresAt ? `expires ${w.expiresAt.slice(0, 10)}` : "no expiry"}</p>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          {d.deployments.length ? (
            <Section title="Deployments it let in">
              <ul className="space-y-1 text-sm">
                {d.deployments.map((x) => (
                  <li key={x.id}>
                    {x.stage} · {dateTime(x.deployedAt)} by {x.actor}
                  </li>
                ))}
              </ul>
            </Section>
          ) : null}
        </div>
      </div>

      <Section title="Recorded response">
        <details>
          <summary className="cursor-pointer text-sm text-slate-600">Show the JSON the pipeline received</summary>
          <pre className="mt-2 max-h-[32rem] overflow-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">
            {JSON.stringify(r, null, 2)}
          </pre>
        </details>
      </Section>
    </div>
  );
}
