import { openApiDocument } from "@/server/api/rest/openapi";

export const dynamic = "force-static";

export function GET(): Response {
  return Response.json(openApiDocument());
}
