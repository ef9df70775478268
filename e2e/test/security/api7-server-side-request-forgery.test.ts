import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  testSecret,
  type TestDatabase,
} from "@clment/testing";
import { newOrganization, type NewOrganization } from "../../src/factories.js";
import { startRegion, type RunningRegion } from "../../src/region.js";

/** OWASP API7:2023: webhook URLs cannot point into the region's own network. */
describe("API7 server side request forgery (webhooks)", () => {
  let database: TestDatabase;
  const redis = createTestRedisPrefix("api7");
  let region: RunningRegion;
  let org: NewOrganization;

  beforeAll(async () => {
    // The production defaults: no plain HTTP, no private networks.
    delete process.env.WEBHOOKS_ALLOW_HTTP;
    delete process.env.WEBHOOKS_ALLOW_PRIVATE_NETWORKS;
    database = await createTestDatabase("api7");
    region = await startRegion({
      region: "eu",
      databaseUrl: database.url,
      redisPrefix: redis.prefix,
      identitySecret: testSecret("eu"),
    });
    org = await newOrganization(region.url);
  }, 60_000);
  afterAll(async () => {
    await region?.close();
    await redis.cleanup();
    await database?.drop();
  });

  it("refuses loopback, private, link-local, metadata and non-HTTPS webhook URLs with 400", async () => {
    const urls = [
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "https://127.1/hook",
      "https://2130706433/hook",
      "https://0x7f000001/hook",
      "https://0.0.0.0/hook",
      "https://[::1]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://10.0.0.8/hook",
      "https://172.16.0.1/hook",
      "https://192.168.1.1/hook",
      "https://169.254.169.254/latest/meta-data/",
      "https://[fd00::1]/hook",
      `https://127.0.0.1:${new URL(region.services.settings.url).port}/internal/v1/credentials/verify`,
      "http://hooks.example.com/hook",
      "file:///etc/passwd",
      "gopher://127.0.0.1:6379/_FLUSHALL",
      "ftp://example.com/x",
      "https://user:pass@127.0.0.1/hook",
      "not a url",
    ];
    for (const url of urls) {
      const response = await call(region.url, "POST", "/v1/settings/webhooks", {
        token: org.owner.token,
        body: { url, events: ["contract.created"] },
      });
      expect({ url, status: response.status }).toEqual({ url, status: 400 });
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
    }
    const list = await call(region.url, "GET", "/v1/settings/webhooks", { token: org.owner.token });
    expect(list.body.data.total).toBe(0);
  });
});
