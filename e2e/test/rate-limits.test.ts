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
  RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE: "5",
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
    // signup and the 5 logins above used 6), whatever X-Forwarded-For they claim: no proxy is
    // trusted here (TRUST_PROXY_HOPS unset), so the header is not read.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call(region.url, "POST", "/v1/auth/login", {
        headers: { "x-forwarded-for": `198.51.100.${i + 1}` },
        body: { email: `nobody-${i}@example.com`, password: "x" },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
  });
});

describe("gateway rate limits behind one trusted proxy", () => {
  let region: TestRegion;
  let org: NewOrganization;

  beforeAll(async () => {
    region = await startTestRegion("rate_limits_proxy", {
      region: "eu",
      gatewayEnv: { ...LIMITS, TRUST_PROXY_HOPS: "1" },
    });
    org = await newOrganization(region.url);
  });

  afterAll(async () => {
    await region?.close();
  });

  /** A login as the proxy forwards it: `forwardedFor` is X-Forwarded-For as the gateway gets it. */
  const login = (forwardedFor: string, email: string, password = "wrong") =>
    call(region.url, "POST", "/v1/auth/login", {
      headers: { "x-forwarded-for": forwardedFor },
      body: { email, password },
    });

  it("gives each client its own per-IP budget, and a forged leftmost entry escapes nothing", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) {
      statuses.push((await login("198.51.100.10", `nobody-${i}@example.com`)).status);
    }
    expect(statuses).toEqual([...Array<number>(12).fill(401), 429]);

    // The same client, claiming other addresses: the proxy appended the one it saw, and only
    // that rightmost entry counts.
    for (const forged of ["203.0.113.7, 198.51.100.10", "198.51.100.20,198.51.100.10"]) {
      const response = await login(forged, "nobody-forged@example.com");
      expect(response.status).toBe(429);
      expect(response.body.error.code).toBe("RATE_LIMITED");
    }

    // Another client behind the same proxy still has its whole budget.
    expect((await login("198.51.100.20", "nobody-0@example.com")).status).toBe(401);
    expect((await login("203.0.113.7, 2001:db8::20", "nobody-0@example.com")).status).toBe(401);
  });

  it("counts an IPv6 client by its /64: a fresh address in it escapes nothing", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) {
      // A different address of the same /64 every time.
      statuses.push((await login(`2001:db8:77:1::${i + 1}`, `v6-${i}@example.com`)).status);
    }
    expect(statuses).toEqual([...Array<number>(12).fill(401), 429]);
    // The next /64 is another client.
    expect((await login("2001:db8:77:2::1", "v6-0@example.com")).status).toBe(401);
  });

  it("limits logins per email across IPs, so rotating addresses does not brute-force an account", async () => {
    const email = org.owner.email;
    // One IP spends at most its per IP and email budget (3) of the account's 5 a minute: the
    // attempt it is refused does not count against the account.
    const fromOne: number[] = [];
    for (let i = 0; i < 4; i++) fromOne.push((await login("192.0.2.1", email)).status);
    expect(fromOne).toEqual([401, 401, 401, 429]);

    const rotating: number[] = [];
    for (const ip of ["192.0.2.2", "192.0.2.3", "192.0.2.4"]) {
      rotating.push((await login(ip, email)).status);
    }
    expect(rotating).toEqual([401, 401, 429]);

    // The trade-off: for the rest of the minute the account's password login is refused to
    // everyone, its owner included; existing sessions and other accounts are untouched.
    const owner = await login("192.0.2.5", email.toUpperCase(), PASSWORD);
    expect(owner.status).toBe(429);
    expect(owner.body.error.code).toBe("RATE_LIMITED");
    expect(Number(owner.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call(region.url, "GET", "/v1/me", { token: org.owner.token })).status).toBe(200);
    expect((await login("192.0.2.5", "nobody-else@example.com")).status).toBe(401);
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
