import type { Health } from "@/server/health";
import { Card } from "./ui/card";

export function HealthPanel({ health }: { health: Health }) {
  const ok = health.status === "ok";
  return (
    <Card title="System health">
      <p className="mb-4 flex items-center gap-2 text-lg font-medium" data-testid="health-status">
        <span aria-hidden className={`inline-block h-3 w-3 rounded-full ${ok ? "bg-emerald-500" : "bg-rose-600"}`} />
        {ok ? "Operational" : "Database unavailable"}
      </p>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
        <dt className="text-slate-500">Database</dt>
        <dd data-testid="health-database" className="font-mono">
          {health.database === "pglite" ? "pglite (embedded)" : "postgres"}
        </dd>
        <dt className="text-slate-500">Schema migration</dt>
        <dd data-testid="health-migrations" className="font-mono break-all">
          {health.migrations ?? "none"}
        </dd>
        <dt className="text-slate-500">Version</dt>
        <dd data-testid="health-version" className="font-mono">
          {health.version}
        </dd>
      </dl>
    </Card>
  );
}
