import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { documentedRoutes, SHARED_API_SPEC, VENDORED_API_SPEC } from "../src/api-spec.js";

describe("the repository's copy of the API contract", () => {
  const vendored = readFileSync(VENDORED_API_SPEC, "utf8");

  it("is the team's contract, word for word, wherever the team's copy sits beside the checkout", () => {
    // CI lays the team's documents out beside the checkout; a lone clone has only the copy.
    const shared = existsSync(SHARED_API_SPEC) ? readFileSync(SHARED_API_SPEC, "utf8") : vendored;
    expect(vendored).toBe(shared);
  });

  it("names the routes the route tests walk, combined forms (`GET/POST /v1/x`) as each method", () => {
    const routes = documentedRoutes(vendored).map(([method, path]) => `${method} ${path}`);
    expect(routes).toEqual(expect.arrayContaining(["GET /v1/me", "POST /v1/contracts"]));
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /v1/playbooks/:id",
        "PATCH /v1/playbooks/:id",
        "DELETE /v1/playbooks/:id",
      ]),
    );
    expect(new Set(routes).size).toBe(routes.length);
  });
});
