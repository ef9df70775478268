import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { hashSecret, INTERNAL_ROUTES, serviceIdentity } from "@clment/auth";
import { createRedis } from "@clment/queue";
import { freePort } from "@clment/testing";
import { CredentialCache } from "../src/data/credential-cache.js";
import { REGION, SettingsHarness, type SignedUp } from "./harness.js";

describe("internal routes for the gateway", () => {
  let settings: SettingsHarness;
  let owner: SignedUp;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
    owner = await settings.signup();
  });
  afterAll(async () => {
    await settings?.close();
  });

  const verifyBody = () => ({ kind: "session", hash: hashSecret(owner.token) });

  it("answer the gateway's service identity", async () => {
    const response = await settings.request("POST", INTERNAL_ROUTES.verifyCredential, {
      as: serviceIdentity("gateway", REGION),
      body: verifyBody(),
    });
    expect(response.status).toBe(200);
  });

  it("refuse a user's or a key's identity, and no identity, with 401", async () => {
    const key = await settings.createApiKey(owner.identity);
    for (const as of [owner.identity, key.identity, undefined]) {
      for (const [path, body] of [
        [INTERNAL_ROUTES.verifyCredential, verifyBody()],
        [INTERNAL_ROUTES.touchApiKeys, { usages: [] }],
      ] as const) {
        const response = await settings.request("POST", path, { as, body });
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe("UNAUTHORIZED");
      }
    }
  });

  it("answer 404 for an unknown credential and 400 for a malformed question", async () => {
    const gateway = serviceIdentity("gateway", REGION);
    const unknown = await settings.request("POST", INTERNAL_ROUTES.verifyCredential, {
      as: gateway,
      body: { kind: "api_key", hash: hashSecret("nope") },
    });
    expect(unknown.status).toBe(404);
    // A session's hash asked as an API key is not one.
    const wrongKind = await settings.request("POST", INTERNAL_ROUTES.verifyCredential, {
      as: gateway,
      body: { kind: "api_key", hash: hashSecret(owner.token) },
    });
    expect(wrongKind.status).toBe(404);
    for (const body of [
      { kind: "password", hash: hashSecret("x") },
      { kind: "session", hash: "abc" },
      { kind: "session", hash: owner.token },
    ]) {
      const response = await settings.request("POST", INTERNAL_ROUTES.verifyCredential, {
        as: gateway,
        body,
      });
      expect(response.status).toBe(400);
    }
  });
});

describe("the credential cache when Redis is away", () => {
  it("does not fail the change that committed, and logs that it could not write", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}`, "client");
    try {
      const cache = new CredentialCache(redis, "clment-test:away", logger);
      await expect(cache.markRevoked([hashSecret("a")])).resolves.toBeUndefined();
      await expect(cache.forget([hashSecret("b")])).resolves.toBeUndefined();
    } finally {
      redis.disconnect();
    }
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, credentials: 1 });
  });
});
