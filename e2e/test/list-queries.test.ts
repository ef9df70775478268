import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { newOrganization, startTestRegion, type NewOrganization } from "../src/factories.js";
import { OPENAPI_FILE } from "../src/openapi.js";
import type { RunningRegion } from "../src/region.js";

interface Operation {
  parameters?: ({ name: string; in: string } | { $ref: string })[];
}

const takes = (p: { name: string; in: string } | { $ref: string }) =>
  "$ref" in p ? p.$ref === "#/components/parameters/Take" : p.in === "query" && p.name === "take";

/** Every documented list: a GET that pages with `take`. */
function listPaths(): string[] {
  const document = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as {
    paths: Record<string, { get?: Operation }>;
  };
  return Object.entries(document.paths)
    .filter(([, item]) => item.get?.parameters?.some(takes))
    .map(([path]) => path);
}

describe("every list's query", () => {
  let region: RunningRegion;
  let org: NewOrganization;

  beforeAll(async () => {
    region = await startTestRegion("list-queries");
    org = await newOrganization(region.url);
  }, 60_000);
  afterAll(async () => region?.close());

  it("refuses a parameter the list does not take with 400 naming it, on every list", async () => {
    const paths = listPaths();
    expect(paths.length).toBeGreaterThanOrEqual(10);
    const answers: Record<string, [number, string]> = {};
    for (const path of paths) {
      const concrete = path.replace(/\{[^}]+\}/g, randomUUID());
      const response = await call(region.url, "GET", `${concrete}?limit=5`, {
        token: org.owner.token,
      });
      answers[path] = [response.status, JSON.stringify(response.body.error?.details ?? null)];
    }
    for (const [path, [status, details]] of Object.entries(answers)) {
      expect([path, status]).toEqual([path, 400]);
      expect([path, details]).toEqual([path, expect.stringContaining("limit")]);
    }
  });

  it("still takes the parameters a list documents", async () => {
    const response = await call(region.url, "GET", "/v1/contracts?skip=0&take=5&sort=-createdAt", {
      token: org.owner.token,
    });
    expect(response.status).toBe(200);
  });
});
