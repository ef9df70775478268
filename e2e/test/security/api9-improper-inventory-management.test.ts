import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ROUTES } from "@clment/gateway";
import { call } from "@clment/testing";
import { documentedRoutes } from "../../src/api-spec.js";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** Every route the contract documents (but the document itself), with `:param` as `{param}`. */
function contractRoutes(): string[] {
  return documentedRoutes()
    .map(([method, path]) => `${method} ${path.replace(/:(\w+)/g, "{$1}")}`)
    .filter((route) => route !== "GET /v1/openapi.json");
}

/** The operational endpoints API.md names: the gateway's own, public, without the `/v1` prefix. */
const OPERATIONAL_PATHS = ["/healthz", "/readyz"];

/** OWASP API9:2023: the published OpenAPI document lists every route, and nothing internal. */
describe("API9 improper inventory management", () => {
  let env: SecurityRegion;
  let document: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    env = await startSecurityRegion("api9");
    const response = await call(env.url, "GET", "/v1/openapi.json");
    expect(response.status).toBe(200);
    document = response.body;
  }, 60_000);
  afterAll(async () => env?.close());

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "{}")}`,
      ),
    );

  it("documents every route API.md lists", () => {
    const listed = new Set(operations());
    const missing = contractRoutes()
      .map((route) => route.replace(/\{[^}]+\}/g, "{}"))
      .filter((route) => !listed.has(route));
    expect(missing).toEqual([]);
  });

  it("covers every route family of the gateway and nothing internal", () => {
    const paths = Object.keys(document.paths);
    for (const route of ROUTES) {
      const prefix = route.prefix.replace(/\*/g, "{");
      const covered = paths.some((path) =>
        path
          .toLowerCase()
          .replace(/\{[^}]+\}/g, "{")
          .startsWith(prefix),
      );
      expect({ prefix: route.prefix, covered }).toEqual({ prefix: route.prefix, covered: true });
    }
    const outsideV1 = paths.filter((path) => !path.startsWith("/v1/"));
    expect(outsideV1.filter((path) => !OPERATIONAL_PATHS.includes(path))).toEqual([]);
    expect(paths.filter((path) => path.includes("internal"))).toEqual([]);
  });

  it("documents the operational endpoints as the public GETs they are", async () => {
    for (const path of OPERATIONAL_PATHS) {
      expect(Object.keys(document.paths[path] ?? {})).toEqual(["get"]);
      expect(document.paths[path]!.get).toMatchObject({ security: [] });
      expect((await call(env.url, "GET", path)).status).toBe(200);
    }
  });
});
