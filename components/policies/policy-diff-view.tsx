import type { PolicyDiff } from "@/server/gate/policy-diff";
import { hunkHeader } from "@/server/gate/policy-diff";

const ROW = {
  added: { sign: "+", word: "Added", cls: "bg-blue-50 text-blue-950", signCls: "text-blue-800" },
  removed: { sign: "−", word: "Removed", cls: "bg-red-50 text-red-950", signCls: "text-red-800" },
  unchanged: { sign: " ", word: "", cls: "text-slate-700", signCls: "text-slate-400" },
} as const;

/** A unified line diff: each changed line carries a + or − sign (and a word for screen readers), not only a colour. */
export function PolicyDiffView({ diff, from, to }: { diff: PolicyDiff; from: number; to: number }) {
  if (diff.hunks.length === 0)
    return (
      <p className="rounded-lg border border-dashed border-slate-300 bg-slate-50 p-3 text-sm text-slate-700" role="status">
        No differences: version {from} and version {to} are the same policy.
      </p>
    );
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-700" data-testid="diff-summary">
        From version {from} to version {to}: <span className="font-medium text-blue-900">+{diff.added} added</span>,{" "}
        <span className="font-medium text-red-900">−{diff.removed} removed</span>{" "}
        {diff.added + diff.removed === 1 ? "line" : "lines"} ({diff.format.toUpperCase()}).
      </p>
      <div className="overflow-x-auto rounded-lg border border-slate-200">
        <table className="min-w-full font-mono text-xs leading-relaxed">
          <caption className="sr-only">
            Changes from version {from} to version {to}, with the old and new line numbers
          </caption>
          <thead className="sr-only">
            <tr>
              <th scope="col">Old line</th>
              <th scope="col">New line</th>
              <th scope="col">Change</th>
              <th scope="col">Text</th>
            </tr>
          </thead>
          {diff.hunks.map((h) => (
            <tbody key={hunkHeader(h)} className="border-b border-slate-200 last:border-b-0">
              <tr className="bg-slate-100 text-slate-600">
                <td colSpan={4} className="px-2 py-0.5">
                  {hunkHeader(h)}
                </td>
              </tr>
              {h.lines.map((l, i) => {
                const s = ROW[l.kind];
                return (
                  <tr key={i} className={s.cls} data-kind={l.kind}>
                    <td className="w-10 border-r border-slate-200 px-2 text-right text-slate-500 select-none">
                      {l.oldLine ?? ""}
                    </td>
                    <td className="w-10 border-r border-slate-200 px-2 text-right text-slate-500 select-none">
                      {l.newLine ?? ""}
                    </td>
                    <td className={`w-6 px-1 text-center font-bold select-none ${s.signCls}`}>
                      <span aria-hidden="true">{s.sign}</span>
                      {s.word ? <span className="sr-only">{s.word}</span> : null}
                    </td>
                    <td className="px-2 whitespace-pre">{l.text}</td>
                  </tr>
                );
              })}
            </tbody>
          ))}
        </table>
      </div>
    </div>
  );
}
