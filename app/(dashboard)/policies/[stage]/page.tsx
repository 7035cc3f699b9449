import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PolicyDiffView } from "@/components/policies/policy-diff-view";
import { PolicyEditor } from "@/components/policies/policy-editor";
import { PolicySummary } from "@/components/policies/policy-summary";
import { Pill } from "@/components/ui/badges";
import { CodeBlock } from "@/components/ui/code-block";
import { dateTime } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { int, oneOf, orNotFound, pageApi, type SearchParams } from "../../_lib/page-kit";

type Params = Promise<{ stage: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `${(await params).stage} policy` };
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const FORMATS = ["yaml", "json"] as const;
const select =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-brand-600";

export default async function StagePolicyPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { stage } = await params;
  const q = await searchParams;
  const query = {
    version: int(q, "version", 1, 1_000_000),
    from: int(q, "from", 1, 1_000_000),
    to: int(q, "to", 1, 1_000_000),
    format: oneOf(q, "format", FORMATS),
  };
  const path = `/policies/${stage}`;
  const { api, user } = await pageApi(href(path, query));
  if (!SLUG.test(stage) || stage.length > 63) notFound();
  // In order: reading the policy in force stores the shipped default as version 1 the first time.
  const current = await orNotFound(api.policies.get({ stage }));
  const versions = await api.policies.versions({ stage });
  const shownVersion =
    query.version !== undefined && versions.some((v) => v.version === query.version) ? query.version : undefined;
  const shown =
    shownVersion && shownVersion !== current.version
      ? await orNotFound(api.policies.get({ stage, version: shownVersion }))
      : current;
  const format = query.format ?? "yaml";
  const known = (v: number | undefined) => (v !== undefined && versions.some((x) => x.version === v) ? v : undefined);
  // Without a choice, the diff shows the latest change.
  const to = known(query.to) ?? current.version;
  const from = known(query.from) ?? versions.find((v) => v.version < to)?.version ?? to;
  const diff = versions.length > 1 ? await api.policies.diff({ stage, from, to, format }) : null;
  const canEdit = user.role === "security" || user.role === "admin";
  const now = new Date();

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link className="underline" href="/policies">
            Policies
          </Link>{" "}
          / {current.stage.name}
        </p>
        <h1 className="text-2xl font-bold tracking-tight">{current.stage.name} policy</h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span>
            Version {current.version} in force{current.isDefault ? "" : `, by ${current.createdBy}`} ·{" "}
            <TimeAgo iso={current.createdAt} now={now} />
          </span>
          {current.isDefault ? <Pill>Gatehouse default</Pill> : null}
          {current.comment && !current.isDefault ? <span className="text-slate-700">“{current.comment}”</span> : null}
        </p>
      </div>

      {shown.version !== current.version ? (
        <p role="status" className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <span aria-hidden="true">! </span>You are reading version {shown.version}, which is not in force (version{" "}
          {current.version} is).{" "}
          <Link className="underline" href={path}>
            Show the policy in force
          </Link>
        </p>
      ) : null}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Section
          id="rules"
          title={`What the gate checks (version ${shown.version})`}
          description="Rules that block stop the promotion; rules that warn are reported in the decision."
        >
          <PolicySummary policy={shown.document} />
        </Section>
        <Section
          id="document"
          title="Document"
          description={`Version ${shown.version}, keys in canonical order.`}
          action={
            <nav aria-label="Document format" className="flex gap-1 text-sm">
              {FORMATS.map((f) => (
                <Link
                  key={f}
                  href={href(path, query, { format: f === "yaml" ? undefined : f })}
                  aria-current={format === f ? "true" : undefined}
                  className={`rounded px-2 py-0.5 ${format === f ? "bg-brand-700 text-white" : "border border-slate-300 hover:bg-slate-50"}`}
                >
                  {f.toUpperCase()}
                </Link>
              ))}
            </nav>
          }
        >
          <CodeBlock code={format === "json" ? shown.json : shown.yaml} label={format.toUpperCase()} />
        </Section>
      </div>

      {canEdit ? (
        <Section
          id="edit"
          title="Edit"
          description={`Starts from version ${current.version}, the policy in force. Saving adds version ${current.version + 1}; earlier versions stay.`}
        >
          <PolicyEditor
            key={current.version}
            stage={stage}
            baseVersion={current.version}
            yaml={current.yaml}
            json={current.json}
          />
        </Section>
      ) : (
        <p className="text-sm text-slate-600">Only the security team changes policies; ask them if a rule blocks you unfairly.</p>
      )}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
        <Section id="history" title="Version history" description="Newest first. Every version stays readable.">
          <ol className="divide-y divide-slate-100 text-sm">
            {versions.map((v, i) => {
              const previous = versions[i + 1];
              return (
                <li key={v.version} className="space-y-0.5 py-2">
                  <div className="flex flex-wrap items-center gap-2">
                    <Link className="font-medium text-brand-700 underline" href={href(path, { version: v.version })}>
                      Version {v.version}
                    </Link>
                    {v.version === current.version ? <Pill tone="blue">in force</Pill> : null}
                    {v.isDefault ? <Pill>default</Pill> : null}
                  </div>
                  <p className="text-slate-700">{v.comment ?? <span className="text-slate-500">no comment</span>}</p>
                  <p className="text-xs text-slate-500">
                    <span className="wrap-anywhere">{v.createdBy}</span> ·{" "}
                    <time dateTime={v.createdAt}>{dateTime(v.createdAt)}</time>
                    {previous ? (
                      <>
                        {" · "}
                        <Link
                          className="text-brand-700 underline"
                          href={`${href(path, { from: previous.version, to: v.version })}#diff`}
                          aria-label={`Compare version ${previous.version} with version ${v.version}`}
                        >
                          changes
                        </Link>
                      </>
                    ) : null}
                  </p>
                </li>
              );
            })}
          </ol>
        </Section>

        <Section id="diff" title="Compare versions" description="Added lines carry a + sign, removed lines a − sign.">
          {diff ? (
            <div className="space-y-3">
              <form
                method="get"
                action={`${path}#diff`}
                className="flex flex-wrap items-end gap-3"
                aria-label="Choose versions to compare"
              >
                <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
                  From
                  <select name="from" defaultValue={from} className={select}>
                    {versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        Version {v.version}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
                  To
                  <select name="to" defaultValue={to} className={select}>
                    {versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        Version {v.version}
                      </option>
                    ))}
                  </select>
                </label>
                {query.format ? <input type="hidden" name="format" value={query.format} /> : null}
                <button
                  type="submit"
                  className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
                >
                  Compare
                </button>
              </form>
              <PolicyDiffView diff={diff.diff} from={from} to={to} />
            </div>
          ) : (
            <p className="text-sm text-slate-600">
              There is only one version so far: the comparison appears once the policy has changed.
            </p>
          )}
        </Section>
      </div>
    </div>
  );
}
