import type { Metadata } from "next";
import Link from "next/link";
import { Pill } from "@/components/ui/badges";
import { Empty } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { pageApi } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Policies" };

export default async function PoliciesPage() {
  const { api, user } = await pageApi("/policies");
  const stages = await api.policies.list();
  const canEdit = user.role === "security" || user.role === "admin";
  const now = new Date();

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Gate policies</h1>
        <p className="text-sm text-slate-600">
          What the gate enforces before a build enters each stage, in promotion order. Every change is a new version; old versions
          stay readable.{canEdit ? " Open a stage to edit its policy." : ""}
        </p>
      </div>
      {stages.length === 0 ? (
        <Empty title="No stages are defined.">
          <p>Stages come with the installation (dev, test, production); run the database migrations to create them.</p>
        </Empty>
      ) : (
        <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm">
              <caption className="sr-only">Stages and the policy in force</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Stage
                  </th>
                  <th scope="col" className="px-3 py-2">
                    In force
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Changed by
                  </th>
                  <th scope="col" className="px-3 py-2">
                    When
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Why
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {stages.map((s) => (
                  <tr key={s.stage} className="align-top hover:bg-slate-50">
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      <Link className="text-brand-700 underline" href={`/policies/${s.stage}`}>
                        {s.name}
                      </Link>
                      <span className="block font-mono text-xs font-normal text-slate-500">{s.stage}</span>
                    </th>
                    <td className="px-3 py-2 whitespace-nowrap">
                      {!s.current ? (
                        <Pill>default</Pill>
                      ) : (
                        <span className="flex flex-wrap items-center gap-1">
                          version {s.current.version}
                          {s.current.isDefault ? <Pill>default</Pill> : null}
                        </span>
                      )}
                      {s.versions > 1 ? <span className="block text-xs text-slate-500">{s.versions} versions</span> : null}
                    </td>
                    <td className="px-3 py-2 wrap-anywhere">
                      {s.current && !s.current.isDefault ? (
                        s.current.createdBy
                      ) : (
                        <span className="text-slate-500">Gatehouse</span>
                      )}
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                      {s.current ? <TimeAgo iso={s.current.createdAt} now={now} /> : <span>—</span>}
                    </td>
                    <td className="max-w-md px-3 py-2 text-slate-700">
                      {s.current?.comment ?? <span className="text-slate-500">the shipped default</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
