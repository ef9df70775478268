import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, waitFor } from "@clment/testing";
import {
  newApiKey,
  newOrganization,
  startRegionWithOwnRedis,
  type NewOrganization,
  type RegionWithOwnRedis,
} from "../src/factories.js";

describe("when the region's Redis is down, the gateway asks settings directly", () => {
  let region: RegionWithOwnRedis;
  let org: NewOrganization;

  beforeAll(async () => {
    region = await startRegionWithOwnRedis("gw_redis_outage");
    org = await newOrganization(region.url);
  });

  afterAll(async () => {
    await region?.close();
  });

  it("keys keep working, revocation still holds, and /readyz reports Redis as degraded", async () => {
    const key = await newApiKey(region.url, org.owner.token);
    const other = await newApiKey(region.url, org.owner.token);
    expect((await call(region.url, "GET", "/v1/me", { token: key.secret })).status).toBe(200);

    await region.stopRedis();
    const started = Date.now();
    expect((await call(region.url, "GET", "/v1/me", { token: key.secret })).status).toBe(200);
    expect((await call(region.url, "GET", "/v1/me", { token: other.secret })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);

    // Still ready (it serves), but says what is missing; so does each service. (The gateway
    // reuses a readiness answer for up to a second.)
    const ready = await waitFor(async () => {
      const answer = await call(region.url, "GET", "/readyz");
      return answer.body.data?.status === "degraded" ? answer : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.body.data.status).toBe("degraded");
    expect(ready.body.data.checks).toMatchObject({ redis: "failed", settings: "ok" });
    for (const service of Object.values(region.services)) {
      const serviceReady = await call(service.url, "GET", "/readyz");
      expect(serviceReady.status).toBe(200);
      expect(serviceReady.body.data).toEqual({
        status: "degraded",
        checks: expect.objectContaining({ postgres: "ok", redis: "failed" }),
      });
    }

    const revoked = await call(region.url, "POST", `/v1/settings/api-keys/${key.id}/revoke`, {
      token: org.owner.token,
    });
    expect(revoked.status).toBe(200);
    expect((await call(region.url, "GET", "/v1/me", { token: key.secret })).status).toBe(401);

    await region.startRedis();
    await waitFor(
      async () => (await call(region.url, "GET", "/readyz")).body.data?.status === "ready",
      { message: "the gateway to see Redis again" },
    );
    expect((await call(region.url, "GET", "/v1/me", { token: key.secret })).status).toBe(401);
    expect((await call(region.url, "GET", "/v1/me", { token: other.secret })).status).toBe(200);
  });
});
