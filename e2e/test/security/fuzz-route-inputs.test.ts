import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { documentedRoutes } from "../../src/api-spec.js";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** Every route the contract documents, except the OpenAPI document (API9 covers it). */
function fuzzedRoutes(): [string, string][] {
  return documentedRoutes().filter(
    ([method, path]) => `${method} ${path}` !== "GET /v1/openapi.json",
  );
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("", "-1", "0", "1e309", "NaN", "null", "%00", "../..", "' or 1=1 --", "{}", "[]"),
);
const id = (real: string[]) =>
  fc.oneof(
    fc.constantFrom(...real),
    fc.uuid(),
    text.map((s) => encodeURIComponent(s) || "x"),
  );
const query = fc.dictionary(
  fc.constantFrom("take", "skip", "sort", "q", "status", "contractId", "from", "to", "kind", "x"),
  text,
  { maxKeys: 4 },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 3 }).map((json) => ({ raw: json })),
  fc.anything({ maxDepth: 3 }).map((value) => ({ json: value })),
  fc.object({ maxDepth: 2 }).map((value) => ({ json: value })),
);
const headers = fc.record(
  {
    "content-type": fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=latin1",
      "",
    ),
    "idempotency-key": fc.string({ maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    "x-request-id": fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    accept: fc.constantFrom("application/json", "text/html", "*/*"),
  },
  { requiredKeys: [] },
);

/** Property-based fuzzing of every documented route's inputs: never a 5xx, always the envelope. */
describe("fuzzing documented routes with fast-check", () => {
  let env: SecurityRegion;
  const routes = fuzzedRoutes();

  beforeAll(async () => {
    env = await startSecurityRegion("fuzz");
  }, 60_000);
  afterAll(async () => env?.close());

  it("finds the documented routes", () => {
    expect(routes.length).toBeGreaterThan(40);
  });

  it("answers every generated request below 500, in the API's envelope", async () => {
    const a = env.a;
    const realIds = [a.contractId, a.keyDateId, a.playbookId, a.webhookId, a.member.id, a.key.id];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(id(realIds), { minLength: 4, maxLength: 4 }),
        query,
        body,
        headers,
        fc.constantFrom(a.org.owner.token, a.key.secret, a.member.token, "garbage"),
        async ([method, template], ids, params, payload, extra, token) => {
          let i = 0;
          const path = template.replace(/:\w+/g, () => ids[i++ % ids.length]!);
          const search = new URLSearchParams(params).toString();
          const init: RequestInit = {
            method,
            headers: { authorization: `Bearer ${token}`, ...extra },
          };
          if (payload && method !== "GET") {
            init.body = "raw" in payload ? payload.raw : JSON.stringify(payload.json ?? null);
          }
          const response = await fetch(`${env.url}${path}${search ? `?${search}` : ""}`, init);
          const raw = await response.text();
          if (response.status >= 500) {
            throw new Error(`${method} ${path}?${search} → ${response.status} ${raw}`);
          }
          const type = response.headers.get("content-type") ?? "";
          if (response.status >= 400 || type.includes("json")) {
            const parsed = JSON.parse(raw) as { data?: unknown; error?: { code?: unknown } };
            if (response.status >= 400) {
              if (typeof parsed.error?.code !== "string") {
                throw new Error(`${method} ${path} → ${response.status} without envelope: ${raw}`);
              }
            } else if (response.status !== 204 && parsed.data === undefined) {
              throw new Error(`${method} ${path} → ${response.status} without data: ${raw}`);
            }
          }
        },
      ),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
  }, 120_000);
});
