import {
  CREDENTIAL_CACHE_SECONDS,
  credentialCacheKey,
  hashSecret,
  INVALID_CREDENTIAL,
  type BearerCredential,
  type CachedCredential,
  type CredentialKind,
  type VerifiedCredential,
} from "@clment/auth";
import { AppError, type Logger } from "@clment/http";
import type { Redis } from "@clment/queue";
import type { CredentialCounter, RateLimitState } from "./rate.limiter.js";
import type { SettingsClient } from "./settings.client.js";

/** Unknown credentials are remembered briefly, so a bad key cannot hammer settings. */
export const UNKNOWN_CREDENTIAL_CACHE_SECONDS = 10;

const MISSING =
  "Missing or malformed Authorization header; expected `Bearer <API key or session token>`";
/** One message for every store-based failure: the caller learns nothing about the key's state. */
const INVALID = "Invalid or expired credentials";

/**
 * The credentials' cache entries and their rate-limit counters, for every request that arrived
 * in one event-loop turn, in one script call (one write, one reply). Per pair of keys: GET the
 * entry, then count in a fixed window (the same steps as rate-limiter-flexible's
 * RateLimiterRedis). ARGV[1] is the window in seconds.
 */
const LOOKUP_AND_COUNT = `
local out = {}
for i = 1, #KEYS, 2 do
  local cached = redis.call('get', KEYS[i])
  redis.call('set', KEYS[i + 1], 0, 'EX', ARGV[1], 'NX')
  local consumed = redis.call('incr', KEYS[i + 1])
  local ttl = redis.call('pttl', KEYS[i + 1])
  if ttl == -1 then
    redis.call('expire', KEYS[i + 1], ARGV[1])
    ttl = 1000 * ARGV[1]
  end
  out[#out + 1] = cached
  out[#out + 1] = consumed
  out[#out + 1] = ttl
end
return out
`;

/** `numberOfKeys, ...keys, windowSeconds` → `[entry | null, count, pttl]` per pair of keys. */
type LookupAndCount = (...args: (string | number)[]) => Promise<(string | number | null)[]>;

interface PendingLookup {
  credentialKey: string;
  counterKey: string;
  resolve(found: [string | null, number, number]): void;
  reject(error: unknown): void;
}

/** What a request's credential turned out to be, and its rate-limit state when it was counted. */
export interface CredentialCheck {
  credential: VerifiedCredential;
  limit: RateLimitState | undefined;
}

/**
 * Turns a credential (from the `Authorization` header, or the console's session cookie) into the
 * verified credential, or 401. The credential's hash is looked up in the region's Redis (shared
 * by every gateway instance); on a miss settings is asked and the answer cached with SET NX, so
 * a revocation marker settings wrote meanwhile is never overwritten. Redis being down only costs the cache: settings is asked directly.
 */
export class CredentialVerifier {
  private lastCacheWarning = 0;
  private readonly lookupAndCount: LookupAndCount;
  /** Lookups waiting for the end of this event-loop turn, by counting window. */
  private pending = new Map<number, PendingLookup[]>();
  private readonly parsed = new Map<string, CachedCredential>();

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly settings: SettingsClient,
    private readonly logger: Logger,
  ) {
    redis.defineCommand("clmentLookupAndCount", { lua: LOOKUP_AND_COUNT });
    const command = (redis as unknown as { clmentLookupAndCount: LookupAndCount })
      .clmentLookupAndCount;
    this.lookupAndCount = command.bind(redis);
  }

  /**
   * Verifies the credential and counts the request against its rate limit, in one Redis round
   * trip. 401 comes before 429; Redis being down fails the limit open.
   */
  async check(
    bearer: BearerCredential | null,
    counter: (kind: CredentialKind, credentialHash: string) => CredentialCounter,
  ): Promise<CredentialCheck> {
    if (!bearer) throw new AppError("UNAUTHORIZED", MISSING);
    const hash = hashSecret(bearer.token);
    const key = credentialCacheKey(this.redisPrefix, hash);
    const rate = counter(bearer.kind, hash);

    const found = await this.cachedAndCounted(key, rate);
    let credential = found.credential;
    // A re-verification marker: settings changed the credential; ask it (the marker keeps our
    // answer, and any older one still on its way, out of the cache until it expires).
    if (credential !== undefined && "reverify" in credential) credential = undefined;
    if (credential === undefined) {
      const verified = await this.settings.verifyCredential(bearer.kind, hash);
      credential = verified ?? { invalid: true };
      await this.remember(key, verified);
    }
    if ("invalid" in credential) throw new AppError("UNAUTHORIZED", INVALID);
    if (credential.expiresAt !== null && Date.parse(credential.expiresAt) <= Date.now()) {
      throw new AppError("UNAUTHORIZED", INVALID);
    }
    const count = found.count;
    const limit = count ? rate.settle(count[0], count[1], credential.plan) : undefined;
    return { credential, limit };
  }

  /** The cached answer (undefined on a miss) and the request's count, in one script call. */
  private async cachedAndCounted(
    key: string,
    rate: CredentialCounter,
  ): Promise<{ credential: CachedCredential | undefined; count: [number, number] | undefined }> {
    if (this.redis.status !== "ready") {
      this.cacheUnavailable();
      rate.unavailable();
      return { credential: undefined, count: undefined };
    }
    try {
      const [value, consumed, ttl] = await this.lookup(key, rate.key, rate.windowSeconds);
      return {
        credential: value === null ? undefined : this.parse(value),
        count: [consumed, ttl],
      };
    } catch (error) {
      this.cacheUnavailable(error);
      rate.unavailable(error);
      return { credential: undefined, count: undefined };
    }
  }

  /** Cache entries parsed once: the same entry is read on every request of a credential. */
  private parse(value: string): CachedCredential {
    let parsed = this.parsed.get(value);
    if (!parsed) {
      parsed = Object.freeze(JSON.parse(value) as CachedCredential);
      if (this.parsed.size >= 10_000) this.parsed.clear();
      this.parsed.set(value, parsed);
    }
    return parsed;
  }

  /** Queues one lookup for the batch sent when this event-loop turn's I/O has been handled. */
  private lookup(
    credentialKey: string,
    counterKey: string,
    windowSeconds: number,
  ): Promise<[string | null, number, number]> {
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(windowSeconds);
      if (!batch) {
        batch = [];
        this.pending.set(windowSeconds, batch);
        if (this.pending.size === 1) setImmediate(() => this.flushLookups());
      }
      batch.push({ credentialKey, counterKey, resolve, reject });
    });
  }

  private flushLookups(): void {
    const pending = this.pending;
    this.pending = new Map();
    for (const [windowSeconds, batch] of pending) {
      const keys = batch.flatMap((l) => [l.credentialKey, l.counterKey]);
      this.lookupAndCount(keys.length, ...keys, windowSeconds).then(
        (reply) => {
          batch.forEach((l, i) =>
            l.resolve([
              reply[i * 3] as string | null,
              Number(reply[i * 3 + 1]),
              Number(reply[i * 3 + 2]),
            ]),
          );
        },
        (error: unknown) => batch.forEach((l) => l.reject(error)),
      );
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
