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
  /** Requests per minute per client IP on the unauthenticated auth routes. */
  authPerIpPerMinute: number;
  /** Login attempts per minute per client IP and email (brute-force protection). */
  loginPerIpEmailPerMinute: number;
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
 * Fixed-window counters in the region's Redis (one `EVAL` per check), so every gateway instance
 * of a region shares them. Redis being down fails open: the request is served, and the outage
 * is logged at most every few seconds.
 */
export class GatewayRateLimiter {
  private readonly limiters: Record<CredentialKind | "authIp" | "loginIpEmail", RateLimiterRedis>;
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
    this.limiters = {
      api_key: limiter("key", limits.apiKeyPerMinute),
      session: limiter("session", limits.sessionPerMinute),
      authIp: limiter("auth-ip", limits.authPerIpPerMinute),
      loginIpEmail: limiter("login", limits.loginPerIpEmailPerMinute),
    };
  }

  /**
   * Counts one request of a credential (by its hash, so the check runs beside the credential
   * lookup). Over the limit → 429 with `Retry-After`; the state for the headers otherwise.
   */
  credential(kind: CredentialKind, credentialHash: string): Promise<RateLimitState | undefined> {
    return this.consume(this.limiters[kind], credentialHash, kind);
  }

  /** Counts one unauthenticated auth request of a client IP (and email, for logins). */
  async authAttempt(ip: string, email?: string): Promise<void> {
    await this.consume(this.limiters.authIp, ip, "auth_ip");
    if (email !== undefined) {
      await this.consume(this.limiters.loginIpEmail, `${ip}:${email}`, "login_ip_email");
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
      if (error instanceof RateLimiterRes) {
        const over = state(limiter.points, error);
        rateLimited.inc({ service: "gateway", limit: name });
        throw new AppError("RATE_LIMITED", undefined, undefined, {
          ...rateLimitHeaders(over),
          "retry-after": String(over.resetSeconds),
        });
      }
      this.unavailable(error);
      return undefined;
    }
  }

  private unavailable(error: unknown): void {
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
  for (const [name, value] of Object.entries(rateLimitHeaders(limit))) res.setHeader(name, value);
}
