import type { AuditLine } from "@/server/audit/export-audit";
import { dateTime } from "@/components/ui/format";

/** JSON as preformatted text: React escapes it, so recorded values never become markup. */
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

export function AuditTable({ events }: { events: AuditLine[] }) {
  return (
    <div className="relative overflow-x-auto">
      <table className="min-w-full text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">
              When
            </th>
            <th scope="col" className="px-3 py-2">
              Actor
            </th>
            <th scope="col" className="px-3 py-2">
              Action
            </th>
            <th scope="col" className="px-3 py-2">
              Target
            </th>
            <th scope="col" className="px-3 py-2">
              Details
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((e) => (
            <tr key={e.id} className="align-top" data-audit-action={e.action}>
              <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                <time dateTime={e.at}>{dateTime(e.at)}</time>
              </td>
              <td className="px-3 py-2">
                <span className="break-all">{e.actorLabel ?? e.actorId ?? "—"}</span>
                <span className="block text-xs text-slate-500">
                  {e.actorType}
                  {e.ip ? ` · ${e.ip}` : ""}
                </span>
              </td>
              <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">
                {e.action === "access.denied" ? (
                  <span className="text-red-900">
                    <span aria-hidden="true">✕ </span>
                    {e.action}
                  </span>
                ) : (
                  e.action
                )}
              </td>
              <td className="px-3 py-2">
                {e.targetType ? <span className="text-xs text-slate-500">{e.targetType} </span> : null}
                <span className="font-mono text-xs break-all">{e.targetId ?? "—"}</span>
              </td>
              <td className="min-w-56 px-3 py-2">
                {e.before === null && e.after === null ? (
                  <span className="text-xs text-slate-500">no details</span>
                ) : (
                  <details>
                    <summary className="cursor-pointer text-xs text-brand-700 underline focus-visible:outline-2 focus-visible:outline-brand-600">
                      Before / after
                    </summary>
                    <div className="mt-2 grid gap-2 lg:grid-cols-2">
                      <div>
                        <p className="text-xs font-medium text-slate-600">Before</p>
                        <pre className="max-h-72 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-all">
                          {pretty(e.before)}
                        </pre>
                      </div>
                      <div>
                        <p className="text-xs font-medium text-slate-600">After</p>
                        <pre className="max-h-72 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-all">
                          {pretty(e.after)}
                        </pre>
                      </div>
                    </div>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
