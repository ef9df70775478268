import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import {
  credentialCacheKey,
  generateApiKey,
  generateSessionToken,
  hashSecret,
  type VerifiedCredential,
} from "@clment/auth";
import { createTestRedisPrefix, testSecret, TEST_REDIS_URL } from "@clment/testing";

/**
 * What a gateway test needs around the gateway: an EU region's identity secret, a Redis prefix
 * of its own (`label` names both), and its credential cache, so that a request passes with a
 * key or session the test stored there without asking settings.
 */
export interface GatewayRegion {
  secret: string;
  redisPrefix: string;
  /** The organization the cached credentials belong to. */
  organizationId: string;
  /** A client of the test Redis (connects on first use). */
  redis: Redis;
  /** The gateway's environment with every service at `upstreamUrl`; `extra` adds or overrides. */
  env(upstreamUrl: string, extra?: Record<string, string>): Record<string, string>;
  /** A new key or session token, stored in the cache as settings would have verified it. */
  cachedCredential(
    principal: VerifiedCredential["principal"],
    overrides?: Partial<VerifiedCredential>,
  ): Promise<string>;
  /** Disconnects the client and deletes the prefix's keys. */
  close(): Promise<void>;
}

export function gatewayRegion(label: string): GatewayRegion {
  const secret = testSecret(label);
  const redisPrefix = createTestRedisPrefix(label);
  const organizationId = randomUUID();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  return {
    secret,
    redisPrefix: redisPrefix.prefix,
    organizationId,
    redis,
    env: (upstreamUrl, extra = {}) => ({
      REGION: "eu",
      IDENTITY_SECRET: secret,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: redisPrefix.prefix,
      LOG_LEVEL: "silent",
      SETTINGS_URL: upstreamUrl,
      CONTRACTS_URL: upstreamUrl,
      REVIEW_URL: upstreamUrl,
      CREDITS_URL: upstreamUrl,
      LAST_USED_FLUSH_MS: "60000",
      ...extra,
    }),
    async cachedCredential(principal, overrides = {}) {
      const token = principal.type === "api_key" ? generateApiKey() : generateSessionToken();
      const credential: VerifiedCredential = {
        organizationId,
        principal,
        role: principal.type === "user" ? "owner" : null,
        expiresAt: null,
        ...overrides,
      };
      await redis.set(
        credentialCacheKey(redisPrefix.prefix, hashSecret(token)),
        JSON.stringify(credential),
        "EX",
        60,
      );
      return token;
    },
    async close() {
      redis.disconnect();
      await redisPrefix.cleanup();
    },
  };
}
