import type { ServerResponse } from "node:http";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { CredentialKind } from "@clment/auth";
import { AppError, type Logger } from "@clment/http";
import { rateLimited } from "@clment/metrics";
import type { Redis } from "@clment/queue";

export interface RateLimits {
  /** Requests per minute per API key. */
  apiKeyPerMinute: number;
  /** Requests per minute per session. */
  sessionPerMinute: number;
  /** What a plan multiplies the per-key and per-session limits by (unlisted: 1). */
  planMultipliers: Readonly<Record<string, number>>;
  /** Requests per minute per client IP on the unauthenticated auth routes. */
  authPerIpPerMinute: number;
  /** Login attempts per minute per client IP and email (brute-force protection). */
  loginPerIpEmailPerMinute: number;
  /**
   * Login attempts per minute per email from every IP together, so rotating IPs does not
   * multiply an account's budget. Over it, the account's password logins wait for the window.
   */
  loginPerEmailPerMinute: number;
}

/** What a request may still do in its current window. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

const WINDOW_SECONDS = 60;

/**
 * One request of a credential, counted in the same Redis round trip as its cache lookup (see
 * CredentialVerifier): the counter's key, and what the counted value means.
 */
export interface CredentialCounter {
  key: string;
  windowSeconds: number;
  /**
   * The state for the headers given the count, the key's PTTL and the organization's plan
   * (known once the credential is); 429 when over the limit.
   */
  settle(consumed: number, msBeforeNext: number, plan: string | undefined): RateLimitState;
  /** Redis could not count: serve without limits (logged at most every few seconds). */
  unavailable(error?: unknown): void;
}

/**
 * Fixed-window counters in the region's Redis, so every gateway instance of a region shares
 * them: a credential's count rides on its cache lookup (CredentialVerifier's script, no round
 * trip of its own), the auth routes' counts are one `EVAL` per check. Redis being down fails open: the request is served, and the outage
 * is logged at most every few seconds.
 */
export class GatewayRateLimiter {
  private readonly limiters: Record<"authIp" | "loginIpEmail" | "loginEmail", RateLimiterRedis>;
  private readonly credentialCounters: Record<
    CredentialKind,
    { keyPrefix: string; points: number; name: string }
  >;
  private readonly planMultipliers: Readonly<Record<string, number>>;
  private lastWarning = 0;

  constructor(
    redis: Redis,
    redisPrefix: string,
    limits: RateLimits,
    private readonly logger: Logger,
  ) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${redisPrefix}:rl:${name}`,
        points,
        duration: WINDOW_SECONDS,
        // A Redis outage must not queue requests behind a reconnect: fail open at once.
        rejectIfRedisNotReady: true,
      });
    // Same keys and fixed window as the RateLimiterRedis counters (`<keyPrefix>:<hash>`).
    this.credentialCounters = {
      api_key: {
        keyPrefix: `${redisPrefix}:rl:key`,
        points: limits.apiKeyPerMinute,
        name: "api_key",
      },
      session: {
        keyPrefix: `${redisPrefix}:rl:session`,
        points: limits.sessionPerMinute,
        name: "session",
      },
    };
    this.planMultipliers = limits.planMultipliers;
    this.limiters = {
      authIp: limiter("auth-ip", limits.authPerIpPerMinute),
      loginIpEmail: limiter("login", limits.loginPerIpEmailPerMinute),
      loginEmail: limiter("login-email", limits.loginPerEmailPerMinute),
    };
  }

  /**
   * The counter of one request of a credential (by its hash), for the credential lookup to count
   * in its own Redis round trip. Over the limit → 429 with `Retry-After` from `settle`.
   */
  credentialCounter(kind: CredentialKind, credentialHash: string): CredentialCounter {
    const { keyPrefix, points: basePoints, name } = this.credentialCounters[kind];
    return {
      key: `${keyPrefix}:${credentialHash}`,
      windowSeconds: WINDOW_SECONDS,
      settle: (consumed, msBeforeNext, plan) => {
        const factor =
          plan !== undefined && Object.hasOwn(this.planMultipliers, plan)
            ? this.planMultipliers[plan]!
            : 1;
        const points = Math.floor(basePoints * factor);
        const limit: RateLimitState = {
          limit: points,
          remaining: Math.max(0, points - consumed),
          resetSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
        };
        if (consumed > points) throw this.limited(limit, name);
        return limit;
      },
      unavailable: (error) => this.unavailable(error),
    };
  }

  /**
   * Counts one unauthenticated auth request of a client IP (and email, for logins: per IP and
   * email, then per email). An attempt refused by one limit is not counted by the next, so one
   * IP spends at most its IP-and-email budget of an account's per-email budget.
   */
  async authAttempt(ip: string, email?: string): Promise<void> {
    await this.consume(this.limiters.authIp, ip, "auth_ip");
    if (email !== undefined) {
      await this.consume(this.limiters.loginIpEmail, `${ip}:${email}`, "login_ip_email");
      // A body without an email is refused by settings; it must not share one global budget.
      if (email !== "") await this.consume(this.limiters.loginEmail, email, "login_email");
    }
  }

  private async consume(
    limiter: RateLimiterRedis,
    key: string,
    name: string,
  ): Promise<RateLimitState | undefined> {
    try {
      return state(limiter.points, await limiter.consume(key));
    } catch (error) {
      if (error instanceof RateLimiterRes) throw this.limited(state(limiter.points, error), name);
      this.unavailable(error);
      return undefined;
    }
  }

  private limited(over: RateLimitState, name: string): AppError {
    rateLimited.inc({ service: "gateway", limit: name });
    return new AppError("RATE_LIMITED", undefined, undefined, {
      ...rateLimitHeaders(over),
      "retry-after": String(over.resetSeconds),
    });
  }

  private unavailable(error?: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 5_000) return;
    this.lastWarning = now;
    this.logger.warn({ err: error }, "rate limiter unavailable; serving without limits");
  }
}

function state(limit: number, res: RateLimiterRes): RateLimitState {
  return {
    limit,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  };
}

export function rateLimitHeaders(limit: RateLimitState): Record<string, string> {
  return {
    "ratelimit-limit": String(limit.limit),
    "ratelimit-remaining": String(limit.remaining),
    "ratelimit-reset": String(limit.resetSeconds),
  };
}

export function setRateLimitHeaders(res: ServerResponse, limit: RateLimitState): void {
  res.setHeader("ratelimit-limit", String(limit.limit));
  res.setHeader("ratelimit-remaining", String(limit.remaining));
  res.setHeader("ratelimit-reset", String(limit.resetSeconds));
}
