import {
  CREDENTIAL_CACHE_SECONDS,
  credentialCacheKey,
  hashSecret,
  INVALID_CREDENTIAL,
  parseBearer,
  type CachedCredential,
  type VerifiedCredential,
} from "@clment/auth";
import { AppError, type Logger } from "@clment/http";
import type { Redis } from "@clment/queue";
import type { SettingsClient } from "./settings.client.js";

/** Unknown credentials are remembered briefly, so a bad key cannot hammer settings. */
export const UNKNOWN_CREDENTIAL_CACHE_SECONDS = 10;

const MISSING =
  "Missing or malformed Authorization header; expected `Bearer <API key or session token>`";
/** One message for every store-based failure: the caller learns nothing about the key's state. */
const INVALID = "Invalid or expired credentials";

/**
 * Turns an `Authorization` header into the verified credential, or 401. The credential's hash is
 * looked up in the region's Redis (shared by every gateway instance); on a miss settings is asked
 * and the answer cached with SET NX, so a revocation marker settings wrote meanwhile is never
 * overwritten. Redis being down only costs the cache: settings is asked directly.
 */
export class CredentialVerifier {
  private lastCacheWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly settings: SettingsClient,
    private readonly logger: Logger,
  ) {}

  async verify(authorization: string | undefined): Promise<VerifiedCredential> {
    const bearer = parseBearer(authorization);
    if (!bearer) throw new AppError("UNAUTHORIZED", MISSING);
    const hash = hashSecret(bearer.token);
    const key = credentialCacheKey(this.redisPrefix, hash);

    let credential = await this.cached(key);
    if (credential === undefined) {
      const verified = await this.settings.verifyCredential(bearer.kind, hash);
      credential = verified ?? { invalid: true };
      await this.remember(key, verified);
    }
    if ("invalid" in credential) throw new AppError("UNAUTHORIZED", INVALID);
    if (credential.expiresAt !== null && Date.parse(credential.expiresAt) <= Date.now()) {
      throw new AppError("UNAUTHORIZED", INVALID);
    }
    return credential;
  }

  /** The cached answer, or undefined on a miss or when Redis cannot answer. */
  private async cached(key: string): Promise<CachedCredential | undefined> {
    if (this.redis.status !== "ready") {
      this.cacheUnavailable();
      return undefined;
    }
    try {
      const value = await this.redis.get(key);
      return value === null ? undefined : (JSON.parse(value) as CachedCredential);
    } catch (error) {
      this.cacheUnavailable(error);
      return undefined;
    }
  }

  private async remember(key: string, credential: VerifiedCredential | null): Promise<void> {
    if (this.redis.status !== "ready") return;
    const value = credential ? JSON.stringify(credential) : INVALID_CREDENTIAL;
    const ttl = credential ? CREDENTIAL_CACHE_SECONDS : UNKNOWN_CREDENTIAL_CACHE_SECONDS;
    try {
      // NX: a revocation marker written while we asked settings wins over our (older) answer.
      await this.redis.set(key, value, "EX", ttl, "NX");
    } catch (error) {
      this.cacheUnavailable(error);
    }
  }

  /** Logs a cache outage at most every few seconds, not once per request. */
  private cacheUnavailable(error?: unknown): void {
    const now = Date.now();
    if (now - this.lastCacheWarning < 5_000) return;
    this.lastCacheWarning = now;
    this.logger.warn({ err: error }, "credential cache unavailable; asking settings directly");
  }
}
