// npm run openapi:generate: writes docs/openapi-v1.json from the routes' contracts (tests/unit/openapi.test.ts fails
// when the committed file differs from what the code generates).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { API_ROUTES } from "@/app/api/routes";
import { openApiDocument } from "@/server/api/rest/openapi";

export const OPENAPI_FILE = path.join(process.cwd(), "docs/openapi-v1.json");

const text = JSON.stringify(openApiDocument(API_ROUTES.map((r) => r.spec)), null, 2);
const formatted = await format(text, { ...(await resolveConfig(OPENAPI_FILE)), filepath: OPENAPI_FILE });
writeFileSync(OPENAPI_FILE, formatted);
console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
