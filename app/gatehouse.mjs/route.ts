// GET /gatehouse.mjs: the pipeline client, so pipelines download it instead of vendoring a file from our repository.
// No authentication: it is the same public file for everyone, and it holds no secret.
import { pipelineClient, type PipelineClient } from "@/server/pipeline-client";

export const dynamic = "force-dynamic";

function headers(c: PipelineClient): Record<string, string> {
  return {
    "content-type": "text/javascript; charset=utf-8",
    "x-gatehouse-version": c.version,
    "x-content-sha256": c.sha256,
    "repr-digest": c.reprDigest,
    etag: c.etag,
    // Always revalidate: a pipeline must never run a stale client after an upgrade; the ETag makes it cheap.
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "content-disposition": 'inline; filename="gatehouse.mjs"',
  };
}

async function serve(request: Request, withBody: boolean): Promise<Response> {
  let client: PipelineClient;
  try {
    client = await pipelineClient();
  } catch {
    return new Response(
      JSON.stringify({ type: "/problems/unavailable", title: "The pipeline client is not available", status: 503 }),
      { status: 503, headers: { "content-type": "application/problem+json", "cache-control": "no-store" } },
    );
  }
  const h = headers(client);
  const match = request.headers.get("if-none-match");
  if (match && match.split(",").some((t) => t.trim().replace(/^W\//, "") === client.etag)) {
    return new Response(null, { status: 304, headers: h });
  }
  return new Response(withBody ? new Uint8Array(client.body) : null, { status: 200, headers: h });
}

export const GET = (request: Request) => serve(request, true);
export const HEAD = (request: Request) => serve(request, false);
