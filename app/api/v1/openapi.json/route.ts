import { apiRoute } from "@/server/api/rest/route";
import { openApiDocument, openApiRouteSpec } from "@/server/api/rest/openapi";
import { API_ROUTES } from "../../routes";

export const dynamic = "force-static";

export const GET = apiRoute(openApiRouteSpec, async () => Response.json(openApiDocument(API_ROUTES.map((r) => r.spec))));
