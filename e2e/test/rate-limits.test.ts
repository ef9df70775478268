import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, waitFor } from "@clment/testing";
import {
  newApiKey,
  newOrganization,
  PASSWORD,
  startRegionWithOwnRedis,
  startTestRegion,
  type NewOrganization,
  type RegionWithOwnRedis,
  type TestRegion,
} from "../src/factories.js";

const LIMITS = {
  RATE_LIMIT_API_KEY_PER_MINUTE: "5",
  RATE_LIMIT_SESSION_PER_MINUTE: "1000",
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "12",
  RATE_LIMIT_LOGIN_PER_IP_EMAIL_PER_MINUTE: "3",
};

describe("gateway rate limits, shared by the region's gateways", () => {
  let region: TestRegion;
  let org: NewOrganization;

  beforeAll(async () => {
    region = await startTestRegion("rate_limits", {
      region: "eu",
      gatewayInstances: 2,
      gatewayEnv: LIMITS,
    });
    org = await newOrganization(region.url);
  });

  afterAll(async () => {
    await region?.close();
  });

  it("sends RateLimit headers on authenticated responses and counts across both gateways", async () => {
    const key = await newApiKey(region.url, org.owner.token);
    const [first, second] = region.gateways.map((g) => g.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await call(i % 2 === 0 ? first! : second!, "GET", "/v1/me", {
        token: key.secret,
      });
      statuses.push(response.status);
      expect(response.headers.get("ratelimit-limit")).toBe("5");
      expect(response.headers.get("ratelimit-remaining")).toBe(String(4 - i));
      expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const limited = await call(second!, "GET", "/v1/me", { token: key.secret });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(limited.body.error.requestId).toEqual(expect.any(String));
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");

    // Another key of the same organization has its own budget.
    const other = await newApiKey(region.url, org.owner.token);
    expect((await call(first!, "GET", "/v1/me", { token: other.secret })).status).toBe(200);
  });

  it("counts concurrent requests exactly, also when they share one Redis call", async () => {
    const key = await newApiKey(region.url, org.owner.token);
    const other = await newApiKey(region.url, org.owner.token);
    // Sent together, so one gateway looks up (and counts) several of them in one batch.
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(region.gateways[0]!.url, "GET", "/v1/me", {
          token: i < 7 ? key.secret : other.secret,
        }),
      ),
    );
    const mine = responses.slice(0, 7);
    expect(mine.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const remaining = mine
      .filter((r) => r.status === 200)
      .map((r) => r.headers.get("ratelimit-remaining"))
      .sort();
    expect(remaining).toEqual(["0", "1", "2", "3", "4"]);
    expect(responses[7]!.status).toBe(200);
    expect(responses[7]!.headers.get("ratelimit-remaining")).toBe("4");
  });

  it("stops login brute force per IP and email, then per IP", async () => {
    const email = org.owner.email;
    const attempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await call(region.url, "POST", "/v1/auth/login", {
        body: { email, password: `wrong-${i}` },
      });
      attempts.push(response.status);
      if (response.status === 429) {
        expect(response.body.error.code).toBe("RATE_LIMITED");
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
    expect(attempts).toEqual([401, 401, 401, 429]);
    // Even the right password is refused for that email until the window ends.
    const right = await call(region.url, "POST", "/v1/auth/login", {
      body: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(right.status).toBe(429);

    // Other emails from the same IP run into the per-IP budget (12 auth requests a minute; the
    // signup and the 5 logins above used 6).
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call(region.url, "POST", "/v1/auth/login", {
        body: { email: `nobody-${i}@example.com`, password: "x" },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
  });
});

describe("gateway rate limits by plan", () => {
  let region: TestRegion;

  beforeAll(async () => {
    region = await startTestRegion("rate_plans", { region: "eu", gatewayEnv: LIMITS });
  });

  afterAll(async () => {
    await region?.close();
  });

  it("sets each organization's limit by its plan, and a plan change applies from the next request", async () => {
    const org = await newOrganization(region.url);
    const other = await newOrganization(region.url);
    const key = await newApiKey(region.url, org.owner.token);
    const otherKey = await newApiKey(region.url, other.owner.token);
    const limitOf = async (secret: string) =>
      (await call(region.url, "GET", "/v1/me", { token: secret })).headers.get("ratelimit-limit");
    // New organizations are on starter: the base limit (factor 1).
    expect(await limitOf(key.secret)).toBe("5");

    const upgraded = await call(region.url, "PUT", "/v1/settings/billing/plan", {
      token: org.owner.token,
      body: { plan: "team" },
    });
    expect(upgraded.status).toBe(200);
    // credits announces it, settings records it and drops the cached credentials: team is 4×.
    await waitFor(async () => (await limitOf(key.secret)) === "20", {
      message: "the team plan's limit on the key",
    });
    const session = await call(region.url, "GET", "/v1/me", { token: org.owner.token });
    expect(session.headers.get("ratelimit-limit")).toBe(String(4 * 1000));
    // Another organization keeps its own plan's limit.
    expect(await limitOf(otherKey.secret)).toBe("5");

    const downgraded = await call(region.url, "PUT", "/v1/settings/billing/plan", {
      token: org.owner.token,
      body: { plan: "starter" },
    });
    expect(downgraded.status).toBe(200);
    await waitFor(async () => (await limitOf(key.secret)) === "5", {
      message: "the starter plan's limit again",
    });
  });
});

describe("gateway rate limits when Redis is down", () => {
  let region: RegionWithOwnRedis;

  beforeAll(async () => {
    region = await startRegionWithOwnRedis("rate_limits_down", { gatewayEnv: LIMITS });
  });

  afterAll(async () => {
    await region?.close();
  });

  it("fails open: requests beyond the limit are still served", async () => {
    const org = await newOrganization(region.url);
    const key = await newApiKey(region.url, org.owner.token);
    await region.stopRedis();
    for (let i = 0; i < 7; i++) {
      const response = await call(region.url, "GET", "/v1/me", { token: key.secret });
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-limit")).toBeNull();
    }
    const login = await call(region.url, "POST", "/v1/auth/login", {
      body: { email: org.owner.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);

    await region.startRedis();
    await waitFor(async () => (await call(region.url, "GET", "/readyz")).status === 200, {
      message: "the gateway to see Redis again",
    });
    const counted = await call(region.url, "GET", "/v1/me", { token: key.secret });
    expect(counted.headers.get("ratelimit-limit")).toBe("5");
  });
});
