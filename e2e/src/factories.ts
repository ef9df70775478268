import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  startRedisServer,
  testSecret,
  uniqueId,
} from "@clment/testing";
import { startRegion, type RegionOptions, type RunningRegion } from "./region.js";

/** Factories that make what a test needs through the public API of a region's gateway. */

/** A region of one test file, with the stores it runs on (for tests that look at them). */
export interface TestRegion extends RunningRegion {
  databaseUrl: string;
  redisPrefix: string;
}

/**
 * A region (US unless `options.region` says otherwise, with that region's test secret) for one
 * test file, on a database and Redis prefix of its own (`label` names both); `close` stops it,
 * then deletes its keys and drops its database.
 */
export async function startTestRegion(
  label: string,
  options: Partial<Omit<RegionOptions, "databaseUrl" | "redisPrefix">> = {},
): Promise<TestRegion> {
  const database = await createTestDatabase(label);
  const redisPrefix = createTestRedisPrefix(label);
  const removeStores = async () => {
    await redisPrefix.cleanup();
    await database.drop();
  };
  const region = options.region ?? "us";
  let running: RunningRegion;
  try {
    running = await startRegion({
      identitySecret: testSecret(region),
      ...options,
      region,
      databaseUrl: database.url,
      redisPrefix: redisPrefix.prefix,
    });
  } catch (error) {
    await removeStores();
    throw error;
  }
  const stopRegion = running.close;
  return {
    ...running,
    databaseUrl: database.url,
    redisPrefix: redisPrefix.prefix,
    async close() {
      await stopRegion();
      await removeStores();
    },
  };
}

/** A region on a Redis server of its own, which a test may take away and bring back. */
export interface RegionWithOwnRedis extends RunningRegion {
  /** Kills the region's Redis (an outage, not a shutdown). */
  stopRedis(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  startRedis(): Promise<void>;
}

/**
 * A region (AU unless `options.region` says otherwise) on its own database and a private
 * redis-server child, for outage tests. `close` brings Redis back first if a test left it down,
 * so everything closes cleanly, then stops the region and Redis and drops the database.
 */
export async function startRegionWithOwnRedis(
  label: string,
  options: Partial<Omit<RegionOptions, "databaseUrl" | "redisUrl" | "redisPrefix">> = {},
): Promise<RegionWithOwnRedis> {
  const database = await createTestDatabase(label);
  const redis = await startRedisServer();
  const region = options.region ?? "au";
  let redisDown = false;
  let running: RunningRegion;
  try {
    running = await startRegion({
      identitySecret: testSecret(region),
      ...options,
      region,
      databaseUrl: database.url,
      redisUrl: redis.url,
      redisPrefix: `clment:${region}`,
    });
  } catch (error) {
    await redis.stop();
    await database.drop();
    throw error;
  }
  const stopRegion = running.close;
  return {
    ...running,
    async stopRedis() {
      await redis.stop();
      redisDown = true;
    },
    async startRedis() {
      await redis.start();
      redisDown = false;
    },
    async close() {
      if (redisDown) await redis.start();
      await stopRegion();
      await redis.stop();
      await database.drop();
    },
  };
}

export const PASSWORD = "correct horse battery staple";

export interface NewOrganization {
  organization: { id: string; name: string; region: string };
  owner: { id: string; email: string; token: string };
}

export async function newOrganization(
  url: string,
  overrides: { organizationName?: string; email?: string; password?: string } = {},
): Promise<NewOrganization> {
  const email = overrides.email ?? `owner-${uniqueId()}@example.com`;
  const response = await call(url, "POST", "/v1/auth/signup", {
    body: {
      organizationName: overrides.organizationName ?? `Org ${uniqueId()}`,
      name: "Olive Owner",
      email,
      password: overrides.password ?? PASSWORD,
    },
  });
  if (response.status !== 201)
    throw new Error(`signup failed: ${response.status} ${response.text}`);
  const { organization, user, session } = response.body.data;
  return { organization, owner: { id: user.id, email, token: session.token } };
}

export interface NewApiKey {
  id: string;
  secret: string;
  prefix: string;
}

export async function newApiKey(
  url: string,
  sessionToken: string,
  body: { label?: string; expiresInDays?: number } = {},
): Promise<NewApiKey> {
  const response = await call(url, "POST", "/v1/settings/api-keys", {
    token: sessionToken,
    body: { label: `key ${uniqueId()}`, ...body },
  });
  if (response.status !== 201) {
    throw new Error(`api key creation failed: ${response.status} ${response.text}`);
  }
  const { apiKey, secret } = response.body.data;
  return { id: apiKey.id, secret, prefix: apiKey.prefix };
}

export interface NewMember {
  id: string;
  email: string;
  token: string;
}

/** Invites a member, accepts the invite and signs in as them. */
export async function newMember(
  url: string,
  ownerToken: string,
  role: "member" | "admin" | "owner" = "member",
): Promise<NewMember> {
  const email = `member-${uniqueId()}@example.com`;
  const invited = await call(url, "POST", "/v1/settings/members", {
    token: ownerToken,
    body: { email, name: "Mo Member", role },
  });
  if (invited.status !== 201) throw new Error(`invite failed: ${invited.status} ${invited.text}`);
  const accepted = await call(url, "POST", "/v1/auth/accept-invite", {
    body: { token: invited.body.data.inviteToken, name: "Mo Member", password: PASSWORD },
  });
  if (accepted.status !== 200) {
    throw new Error(`accept-invite failed: ${accepted.status} ${accepted.text}`);
  }
  const login = await call(url, "POST", "/v1/auth/login", { body: { email, password: PASSWORD } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { id: login.body.data.user.id, email, token: login.body.data.session.token };
}

/** What a browser holds after the console signed in: its cookies, as a client sends them back. */
export interface ConsoleSession {
  /** The `Cookie` header a browser would send (the session and CSRF cookies). */
  cookie: string;
  /** The CSRF cookie's value, which the console echoes in `X-CSRF-Token`. */
  csrf: string;
  /** The `Set-Cookie` values of the answer, flags included. */
  setCookies: string[];
  /** The session token the JSON body still carries (API.md). */
  token: string;
}

/** Logs in as the console does (`X-Clment-Session: cookie`) and keeps the cookies it got. */
export async function consoleLogin(
  url: string,
  email: string,
  password = PASSWORD,
): Promise<ConsoleSession> {
  const response = await call(url, "POST", "/v1/auth/login", {
    body: { email, password },
    headers: { "x-clment-session": "cookie" },
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  const setCookies = response.headers.getSetCookie();
  const pairs = setCookies.map((value) => value.split(";", 1)[0]!);
  const csrf = pairs.find((pair) => /^(__Host-)?clment_csrf/.test(pair))?.split("=")[1];
  if (!csrf) throw new Error(`login set no CSRF cookie: ${setCookies.join(" | ")}`);
  return { cookie: pairs.join("; "), csrf, setCookies, token: response.body.data.session.token };
}
