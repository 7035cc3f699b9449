// The committed OpenAPI document (docs/openapi-v1.json) is exactly what the routes' contracts generate, every REST
// route file declares its contract and is listed, and the document names every schema it uses.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { API_ROUTES } from "@/app/api/routes";
import { openApiDocument } from "@/server/api/rest/openapi";
import type { ApiRoute } from "@/server/api/rest/route";

const root = path.resolve(__dirname, "../..");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
/** Not part of the REST API: the dashboard's tRPC endpoint and Auth.js. */
const NOT_REST = ["app/api/trpc/", "app/api/auth/"];

function routeFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? routeFiles(`${dir}/${e.name}`) : e.name === "route.ts" ? [`${dir}/${e.name}`] : [],
  );
}

/** app/api/v1/scans/[id]/route.ts → /api/v1/scans/{id} */
const pathOf = (file: string) =>
  file
    .replace(/^app/, "")
    .replace(/\/route\.ts$/, "")
    .replace(/\[([^\]]+)\]/g, "{$1}");

const generated = () => JSON.parse(JSON.stringify(openApiDocument(API_ROUTES.map((r) => r.spec)))) as Record<string, unknown>;

describe("the OpenAPI document", () => {
  it("is committed as generated (after changing a route or a schema: npm run openapi:generate)", () => {
    const committed = JSON.parse(readFileSync(path.join(root, "docs/openapi-v1.json"), "utf8")) as unknown;
    expect(committed, "docs/openapi-v1.json is out of date: run npm run openapi:generate and commit it").toEqual(generated());
  });

  it("lists every route file of the REST API, each declaring its contract at the path of its file", async () => {
    const files = routeFiles("app/api").filter((f) => !NOT_REST.some((p) => f.startsWith(p)));
    expect(files.length).toBeGreaterThanOrEqual(13);
    const listed = new Set<unknown>(API_ROUTES);
    for (const file of files) {
      const mod = (await import(`@/${file}`)) as Record<string, unknown>;
      for (const method of METHODS) {
        const handler = mod[method] as ApiRoute | undefined;
        if (!handler) continue;
        const where = `${method} in ${file}`;
        expect(handler.spec, `${where}: declare its contract, apiRoute(spec, handler) (docs/api.md)`).toBeDefined();
        expect(handler.spec.method, where).toBe(method);
        expect(handler.spec.path, where).toBe(pathOf(file));
        if (handler.spec.path !== "/api/v1/openapi.json")
          expect(listed.has(handler), `${where}: add it to app/api/routes.ts`).toBe(true);
      }
    }
  });

  it("names every schema it uses, resolves every reference and declares every answer", () => {
    const doc = generated() as {
      components: { schemas: Record<string, unknown> };
      paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }>; operationId: string }>>;
    };
    const names = Object.keys(doc.components.schemas);
    for (const n of names) expect(n, "component names are PascalCase words").toMatch(/^[A-Z][A-Za-z0-9]+$/);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(names, r).toContain(r.replace("#/components/schemas/", ""));
    for (const [p, ops] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(ops)) {
        expect(op.responses["500"], `${m} ${p} declares its 500`).toBeDefined();
        for (const [status, r] of Object.entries(op.responses)) expect(r.content, `${m} ${p} ${status} has a body`).toBeDefined();
      }
    // The deployments route answers 201, 400, 401, 403, 404, 413, 415, 429 and 500, and says so.
    expect(Object.keys(doc.paths["/api/v1/deployments"]!.post!.responses).sort()).toEqual(
      ["201", "400", "401", "403", "404", "413", "415", "429", "500"].sort(),
    );
  });
});
