import { latestMigration } from "@/db/migrate";
import pkg from "@/package.json";
import type { Runtime } from "./runtime";

export type Health = {
  status: "ok" | "unavailable";
  database: Runtime["kind"];
  migrations: string | null;
  version: string;
};

export const VERSION: string = pkg.version;

export async function getHealth(rt: Runtime): Promise<Health> {
  try {
    const latest = await withTimeout(latestMigration(rt.db), 3000);
    return { status: "ok", database: rt.kind, migrations: latest ?? null, version: VERSION };
  } catch {
    return { status: "unavailable", database: rt.kind, migrations: null, version: VERSION };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
