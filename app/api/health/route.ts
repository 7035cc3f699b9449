import { getHealth } from "@/server/health";
import { runtime } from "@/server/runtime";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const health = await getHealth(runtime());
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
