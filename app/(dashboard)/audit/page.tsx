import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/audit/audit-table";
import { FilterForm, TextFilter } from "@/components/ui/filter-form";
import { href } from "@/components/ui/href";
import { Empty } from "@/components/ui/section";
import type { AuditPage } from "@/server/audit/list-audit";
import { one, pageApi, text, type SearchParams } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Audit log" };

const PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const date = (v: string | undefined) => (v && DATE.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined);
const nextDay = (d: string) => new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10);

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const q = await searchParams;
  const params = {
    actor: text(q, "actor"),
    action: text(q, "action"),
    target: text(q, "target"),
    from: date(one(q, "from")),
    to: date(one(q, "to")),
    cursor: text(q, "cursor", 300),
  };
  const { api } = await pageApi(href("/audit", params));
  // "To" is a whole day, inclusive; the API's until is exclusive.
  const range = { since: params.from, until: params.to ? nextDay(params.to) : undefined };
  const badRange = !!(range.since && range.until && range.since >= range.until);
  let page: AuditPage;
  try {
    page = badRange
      ? { items: [], nextCursor: null }
      : await api.audit.list({
          actor: params.actor,
          action: params.action,
          target: params.target,
          ...range,
          cursor: params.cursor,
          limit: PAGE_SIZE,
        });
  } catch (e) {
    if (e instanceof TRPCError && e.code === "FORBIDDEN")
      return (
        <div className="mx-auto max-w-xl rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm">
          <h1 className="text-xl font-semibold">Audit log</h1>
          <p className="mt-2 text-sm text-slate-600">
            The audit log is for the security team and administrators. Ask one of them if you need an event looked up.
          </p>
        </div>
      );
    if (e instanceof TRPCError && e.code === "BAD_REQUEST" && params.cursor) page = { items: [], nextCursor: null };
    else throw e;
  }
  const filters = { ...params, cursor: undefined };
  const exportFrom = range.since ?? new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const exportHref = href("/api/v1/audit", { since: exportFrom, until: range.until });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Audit log</h1>
          <p className="text-sm text-slate-600">
            Every change and every refusal, newest first. Hashes, passwords, tokens and secrets are stripped.
          </p>
        </div>
        <a
          href={exportHref}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          Export NDJSON{range.since ? "" : " (last 30 days)"}
        </a>
      </div>
      <FilterForm action="/audit" label="Filter the audit log">
        <TextFilter name="actor" label="Actor" value={params.actor} placeholder="email or id" />
        <TextFilter name="action" label="Action" value={params.action} placeholder="e.g. token. or denied" />
        <TextFilter name="target" label="Target" value={params.target} placeholder="id or type" />
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          From
          <input
            type="date"
            name="from"
            defaultValue={params.from ?? ""}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-brand-600"
          />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          To
          <input
            type="date"
            name="to"
            defaultValue={params.to ?? ""}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-brand-600"
          />
        </label>
      </FilterForm>
      {badRange ? (
        <p role="alert" className="text-sm text-red-800">
          “From” must be on or before “To”.
        </p>
      ) : null}
      {page.items.length === 0 ? (
        <Empty title={params.cursor ? "No older events." : "No event matches."}>
          <p>
            {params.actor || params.action || params.target || params.from || params.to ? (
              <>
                Loosen the filters, or{" "}
                <Link className="text-brand-700 underline" href="/audit">
                  see every event
                </Link>
                .
              </>
            ) : (
              "Events appear here as people and pipelines change things: tokens, teams, waivers, policies."
            )}
          </p>
        </Empty>
      ) : (
        <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <AuditTable events={page.items} />
          <nav
            aria-label="Pagination"
            className="flex flex-wrap items-center justify-between gap-2 px-3 py-3 text-sm text-slate-600"
          >
            <p>
              {page.items.length} events{params.cursor ? " (older page)" : ""}
            </p>
            <div className="flex gap-2">
              {params.cursor ? (
                <Link
                  className="rounded border border-slate-300 bg-white px-2.5 py-1 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600"
                  href={href("/audit", filters)}
                >
                  ← Newest
                </Link>
              ) : null}
              {page.nextCursor ? (
                <Link
                  rel="next"
                  className="rounded border border-slate-300 bg-white px-2.5 py-1 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600"
                  href={href("/audit", { ...filters, cursor: page.nextCursor })}
                >
                  Older →
                </Link>
              ) : null}
            </div>
          </nav>
        </div>
      )}
    </div>
  );
}
