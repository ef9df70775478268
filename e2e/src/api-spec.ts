import { existsSync, readFileSync } from "node:fs";

/**
 * The public HTTP contract. The team's copy lives beside the checkout (`../shared/API.md`, as CI
 * lays it out); `docs/api-contract.md` is the repository's copy of it, so a clone on its own
 * still tests against the contract. A test fails when the two differ.
 */
export const SHARED_API_SPEC = new URL("../../../shared/API.md", import.meta.url);
export const VENDORED_API_SPEC = new URL("../../docs/api-contract.md", import.meta.url);

export function apiSpecText(): string {
  return readFileSync(existsSync(SHARED_API_SPEC) ? SHARED_API_SPEC : VENDORED_API_SPEC, "utf8");
}

const METHOD = "GET|POST|PATCH|PUT|DELETE";

/**
 * Every `METHOD /v1/...` route the contract names, as `[method, path]` with `:param` segments
 * (e.g. `["GET", "/v1/contracts/:id"]`); `GET/POST /v1/x` counts as both.
 */
export function documentedRoutes(spec = apiSpecText()): [string, string][] {
  const found = new Set<string>();
  const pattern = new RegExp(`\`((?:${METHOD})(?:/(?:${METHOD}))*) (/v1/[^\\s\`?]*)`, "g");
  for (const match of spec.matchAll(pattern)) {
    for (const method of match[1]!.split("/")) found.add(`${method} ${match[2]}`);
  }
  return [...found].map((route) => route.split(" ") as [string, string]);
}
