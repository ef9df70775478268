import { randomBytes } from "node:crypto";
import { dropDatabase, ensureDatabase } from "@clment/db";
import { Redis } from "ioredis";

export const TEST_POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** A fixed, test-only signing secret; regions in one test get distinct ones via `testSecret`. */
export function testSecret(label: string): string {
  return `test-identity-secret-${label}-`.padEnd(48, "x");
}

export function uniqueId(bytes = 6): string {
  return randomBytes(bytes).toString("hex");
}

/** The migrated template the global setup prepared for this run. */
export function templateDatabase(): string {
  const name = process.env.CLMENT_TEST_TEMPLATE;
  if (!name) throw new Error("CLMENT_TEST_TEMPLATE is not set: run tests through `npm test`");
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, copied from the migrated template (~15 ms). */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const name = `clment_t_${label}_${uniqueId()}`;
  const url = await ensureDatabase(TEST_POSTGRES_URL, name, templateDatabase());
  return { name, url, drop: () => dropDatabase(TEST_POSTGRES_URL, name) };
}

/** A Redis key prefix no other test file uses; `cleanup` deletes every key under it. */
export function createTestRedisPrefix(label = "t"): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `clment-test:${label}:${uniqueId()}`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, message = "condition" } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${message}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export * from "./http.js";
export * from "./redis-server.js";
export * from "./smtp-server.js";
export * from "./recording-server.js";
export * from "./postgres-server.js";
export * from "./oidc-provider.js";
