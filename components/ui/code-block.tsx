import { CopyButton } from "./copy-button";

/** A command to copy: shown as text (never HTML), with a copy button. */
export function CodeBlock({ code, label }: { code: string; label?: string }) {
  return (
    <div className="mt-1 overflow-hidden rounded-lg bg-slate-900">
      <div className="flex items-center justify-between border-b border-slate-700 px-3 py-1">
        <span className="text-xs text-slate-400">{label ?? "shell"}</span>
        <CopyButton text={code} />
      </div>
      <pre className="overflow-x-auto px-3 py-2 font-mono text-xs leading-relaxed text-slate-100">{code}</pre>
    </div>
  );
}
