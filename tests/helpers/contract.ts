// Every answer a REST test sees is checked against the route's declared contract: the status is declared, a problem
// carries one of the problem types declared for it, and the body parses with the declared schema without losing a
// field (an undeclared field fails: the OpenAPI document would not mention it).
import { expect } from "vitest";
import { API_ROUTES } from "@/app/api/routes";
import { contractResponses, isSuccess, type RouteSpec } from "@/server/api/rest/contract";
import { openApiRouteSpec } from "@/server/api/rest/openapi";
import type { ApiRoute } from "@/server/api/rest/route";
import { problemSchema } from "@/server/api/rest/schemas";

type Params = Record<string, string>;

const SPECS: RouteSpec[] = [...API_ROUTES.map((r) => r.spec), openApiRouteSpec];

/** The route whose method and path template match a request. */
export function specFor(method: string, url: string): RouteSpec {
  const path = new URL(url, "http://localhost").pathname;
  const spec = SPECS.find(
    (s) =>
      s.method === method.toUpperCase() &&
      new RegExp(`^${s.path.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path),
  );
  if (!spec) throw new Error(`no route declares ${method} ${path}`);
  return spec;
}

/** Asserts the response keeps the contract; returns the parsed body (JSON answers) or the text. */
export async function expectContract(spec: RouteSpec, res: Response): Promise<unknown> {
  const where = `${spec.method} ${spec.path} → ${res.status}`;
  const text = await res.clone().text();
  const declared = contractResponses(spec)[res.status];
  if (!declared) throw new Error(`${where} is not declared in the route's contract: ${text.slice(0, 300)}`);
  if (!isSuccess(declared)) {
    expect(res.headers.get("content-type"), where).toBe("application/problem+json");
    const body = problemSchema.parse(JSON.parse(text)) as { type: string; status: number };
    expect(body.status, where).toBe(res.status);
    expect(declared.problems, `${where}: problem type ${body.type} is not declared`).toContain(
      body.type.replace("/problems/", ""),
    );
    return body;
  }
  const type = declared.contentType ?? "application/json";
  expect(res.headers.get("content-type") ?? "", where).toContain(type);
  for (const h of Object.keys(declared.headers ?? {})) expect(res.headers.get(h), `${where}: header ${h}`).not.toBeNull();
  if (type === "application/x-ndjson") {
    const lines = text.split("\n").filter((l) => l !== "");
    for (const l of lines) expect(declared.schema.parse(JSON.parse(l)), where).toEqual(JSON.parse(l));
    return text;
  }
  const body: unknown = JSON.parse(text);
  expect(declared.schema.parse(body), `${where}: the body has fields its schema does not declare`).toEqual(body);
  return body;
}

/** A route handler whose every answer is checked against its contract. */
export function checked(route: unknown): (req: Request, params?: Params) => Promise<Response> {
  const r = route as ApiRoute;
  return async (req, params = {}) => {
    const res = await r(req, { params: Promise.resolve(params) });
    await expectContract(r.spec, res);
    return res;
  };
}

/** fetch() against a running server, checking the answer against the contract of the route it reached. */
export async function fetchChecked(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  await expectContract(specFor(init.method ?? "GET", url), res);
  return res;
}
