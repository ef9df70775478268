import { commonEnv, loadConfig, portField, redisPrefix, z } from "@clment/config";

/** The environment a gateway process reads (see README.md). */
export const gatewayEnvSchema = z.object({
  ...commonEnv,
  PORT: portField.default(0),
  HOST: z.string().default("127.0.0.1"),
  SETTINGS_URL: z.string().url(),
  CONTRACTS_URL: z.string().url(),
  REVIEW_URL: z.string().url(),
  CREDITS_URL: z.string().url(),
  /** The public base URL of this region's API, e.g. https://eu.clment.com/v1. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** How often API key usage (`lastUsedAt`) is sent to settings. */
  LAST_USED_FLUSH_MS: z.coerce.number().int().min(10).default(5_000),
  /** How long an upstream may take to answer before the caller gets 503. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * How many HTTP proxies in front of the gateway append to `X-Forwarded-For` (the ingress: 1).
   * The per-IP limits key on the entry that many from the right; 0 ignores the header and uses
   * the socket's address. Set it only when every path to the gateway goes through those proxies.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Internal port of `GET /metrics` (Prometheus); unset or 0: no metrics server. */
  METRICS_PORT: portField.optional(),
  /** Requests per minute per API key and per session (shared by the region's gateways). */
  RATE_LIMIT_API_KEY_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_SESSION_PER_MINUTE: z.coerce.number().int().min(1).default(1_200),
  /**
   * What each plan multiplies the per-key and per-session limits by, as `plan:factor` pairs.
   * A plan not listed (or a credential cached before plans were known) gets the base limits.
   */
  RATE_LIMIT_PLAN_MULTIPLIERS: z
    .string()
    .default("starter:1,team:4,enterprise:20")
    .transform((value, ctx) => {
      const multipliers: [string, number][] = [];
      for (const pair of value
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)) {
        const match = /^([a-z0-9_-]+):(\d+(?:\.\d+)?)$/.exec(pair);
        const factor = match ? Number(match[2]) : NaN;
        if (!match || !(factor > 0)) {
          ctx.addIssue({ code: "custom", message: `"${pair}" is not plan:factor (factor > 0)` });
          return z.NEVER;
        }
        multipliers.push([match[1]!, factor]);
      }
      return Object.fromEntries(multipliers);
    }),
  /** Unauthenticated auth requests (signup, login, invite acceptance) per minute per IP. */
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(50),
  /** Login attempts per minute per IP and email. */
  RATE_LIMIT_LOGIN_PER_IP_EMAIL_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** Login attempts per minute per email from all IPs together (IP-rotating brute force). */
  RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE: z.coerce.number().int().min(1).default(30),
});

export type GatewayEnv = z.input<typeof gatewayEnvSchema>;
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(gatewayEnvSchema, env);
  return {
    ...config,
    redisPrefix: redisPrefix(config.REGION, config.REDIS_PREFIX),
    publicBaseUrl: config.PUBLIC_BASE_URL ?? `https://${config.REGION}.clment.com/v1`,
    rateLimits: {
      apiKeyPerMinute: config.RATE_LIMIT_API_KEY_PER_MINUTE,
      sessionPerMinute: config.RATE_LIMIT_SESSION_PER_MINUTE,
      planMultipliers: config.RATE_LIMIT_PLAN_MULTIPLIERS,
      authPerIpPerMinute: config.RATE_LIMIT_AUTH_PER_IP_PER_MINUTE,
      loginPerIpEmailPerMinute: config.RATE_LIMIT_LOGIN_PER_IP_EMAIL_PER_MINUTE,
      loginPerEmailPerMinute: config.RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE,
    },
    upstreams: {
      settings: trimSlash(config.SETTINGS_URL),
      contracts: trimSlash(config.CONTRACTS_URL),
      review: trimSlash(config.REVIEW_URL),
      credits: trimSlash(config.CREDITS_URL),
    },
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
