import { HealthPanel } from "@/components/health-panel";
import { Card } from "@/components/ui/card";
import { getHealth } from "@/server/health";
import { runtime } from "@/server/runtime";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const health = await getHealth(runtime());
  return (
    <main className="mx-auto max-w-4xl px-6 py-12">
      <header className="mb-10">
        <p className="text-sm font-semibold tracking-widest text-brand-700 uppercase">Gatehouse</p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">
          The decision layer between your scanners and your deployments.
        </h1>
        <p className="mt-4 max-w-2xl text-slate-600">
          Pipelines post the reports their scanners already write. Gatehouse normalizes and deduplicates the findings, scores each
          service across seven CI/CD risk areas, and answers one question before every promotion: may this commit enter this
          stage?
        </p>
        <p className="mt-6">
          <a
            href="/dashboard"
            className="inline-block rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-900"
          >
            Open the dashboard →
          </a>
        </p>
      </header>
      <div className="grid gap-6 md:grid-cols-2">
        <HealthPanel health={health} />
        <Card title="Get started">
          <ol className="list-decimal space-y-3 pl-5 text-sm text-slate-700">
            <li>
              Create a team:
              <pre className="mt-1 overflow-x-auto rounded bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">
                npm run gatehouse -- team create payments
              </pre>
            </li>
            <li>
              Register a service:
              <pre className="mt-1 overflow-x-auto rounded bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">
                npm run gatehouse -- service create checkout --team payments
              </pre>
            </li>
            <li>
              Check the server from a pipeline:
              <pre className="mt-1 overflow-x-auto rounded bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">
                curl -s http://localhost:3000/api/health
              </pre>
            </li>
          </ol>
        </Card>
      </div>
    </main>
  );
}
