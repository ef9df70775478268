import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { IdentityTokens } from "@clment/auth";
import { call, testSecret } from "@clment/testing";
import {
  newApiKey,
  newMember,
  newOrganization,
  startTestRegion,
  type NewMember,
  type NewOrganization,
} from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

/** Ways of writing `/v1/settings/api-keys` that must all count as settings. */
const VARIANTS = [
  "/v1/settings/api-keys",
  "/v1/settings/../settings/api-keys",
  "/v1/%2e%2e/v1/settings/api-keys",
  "/v1/contracts/%2e%2e/settings/api-keys",
  "/v1/contracts/../settings/api-keys",
  "/v1/contracts/%252e%252e/settings/api-keys",
  "/v1/settings/api-keys/",
  "/V1/Settings/API-KEYS",
  "//v1//settings/api-keys",
  "/v1/settings%2fapi-keys",
  "/v1/settings%2Fapi-keys?take=5",
  "/v1/./settings/api-keys",
];

/**
 * `fetch` resolves dot segments itself; this sends the path exactly as written, the way a
 * hostile client would.
 */
async function rawGet(baseUrl: string, path: string, token: string) {
  const { request } = await import("node:http");
  const url = new URL(baseUrl);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("settings are for signed-in owners and admins only", () => {
  let region: RunningRegion;
  let org: NewOrganization;
  let apiKey: string;
  let member: NewMember;
  let admin: NewMember;

  beforeAll(async () => {
    region = await startTestRegion("gw_settings");
    org = await newOrganization(region.url);
    apiKey = (await newApiKey(region.url, org.owner.token)).secret;
    member = await newMember(region.url, org.owner.token, "member");
    admin = await newMember(region.url, org.owner.token, "admin");
  });

  afterAll(async () => {
    await region?.close();
  });

  it.each(VARIANTS)("an API key on %s gets 403 API_KEY_FORBIDDEN", async (path) => {
    const response = await rawGet(region.url, path, apiKey);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("API_KEY_FORBIDDEN");
  });

  it.each(VARIANTS)("a member on %s gets 403 FORBIDDEN", async (path) => {
    const response = await rawGet(region.url, path, member.token);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("FORBIDDEN");
  });

  it.each(VARIANTS)("the owner on %s gets the key list", async (path) => {
    const response = await rawGet(region.url, path, org.owner.token);
    expect(response.status).toBe(200);
    expect(response.body.data.apiKeys).toHaveLength(1);
  });

  it("an admin reaches settings too", async () => {
    const response = await call(region.url, "GET", "/v1/settings/members", { token: admin.token });
    expect(response.status).toBe(200);
    expect(response.body.data.total).toBe(3);
  });

  it.each(["/v1/settings/organization", "/v1/settings/billing", "/v1/settings/audit-log"])(
    "every settings area is forbidden to keys and members (%s)",
    async (path) => {
      const byKey = await call(region.url, "GET", path, { token: apiKey });
      expect(byKey.body.error.code).toBe("API_KEY_FORBIDDEN");
      const byMember = await call(region.url, "GET", path, { token: member.token });
      expect(byMember.body.error.code).toBe("FORBIDDEN");
    },
  );

  it("keys and members still reach workspace routes and /v1/me", async () => {
    const byKey = await call(region.url, "GET", "/v1/me", { token: apiKey });
    expect(byKey.status).toBe(200);
    const byMember = await call(region.url, "GET", "/v1/me", { token: member.token });
    expect(byMember.status).toBe(200);
    expect(byMember.body.data.principal).toMatchObject({ type: "user", role: "member" });
  });

  it("an identity header a key holder forges is replaced by the gateway's own", async () => {
    // Even signed with the region's real secret, a client's identity header is dropped.
    const forged = await new IdentityTokens(testSecret("us"), "us").sign({
      organizationId: org.organization.id,
      principal: { type: "user", id: org.owner.id, sessionId: "forged" },
      role: "owner",
      region: "us",
    });
    const response = await call(region.url, "GET", "/v1/settings/api-keys", {
      token: apiKey,
      headers: { "x-clment-identity": forged },
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("API_KEY_FORBIDDEN");
  });

  it.each(["take=101", "take=0", "skip=-1", "take=1.5"])(
    "pagination out of bounds (%s) is 400 VALIDATION_ERROR",
    async (query) => {
      const response = await call(region.url, "GET", `/v1/settings/api-keys?${query}`, {
        token: org.owner.token,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
      expect(response.body.error.details.length).toBeGreaterThan(0);
    },
  );
});
