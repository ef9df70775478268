import { loadConfig, z } from "@clment/config";

/**
 * The settings service reads the environment every service reads (`loadServiceConfig` in
 * @clment/runtime: region, stores, identity secret, public base URL), and its own below
 * (`loadSettingsConfig`: webhook delivery and email). Its account policies are constants here.
 */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a session token works after sign-up, login or accepting an invite. */
export const SESSION_TTL_MS = 14 * DAY_MS;

/** How long an invite can be accepted. */
export const INVITE_TTL_MS = 7 * DAY_MS;

/** The lifetimes an API key can be created with; absent means it does not expire. */
export const API_KEY_EXPIRY_DAYS = [7, 30, 60, 90, 365] as const;
export type ApiKeyExpiryDays = (typeof API_KEY_EXPIRY_DAYS)[number];

/** "true"/"1" or "false"/"0"; false when absent. */
const booleanFlag = z
  .enum(["true", "false", "1", "0"])
  .default("false")
  .transform((value) => value === "true" || value === "1");

/**
 * The settings service's own environment, beside the one every service reads: webhook delivery
 * and email. Parsed once at start; defaults are the production ones (https only, no private
 * networks, the Standard Webhooks retry schedule).
 */
export const settingsEnvSchema = z.object({
  /**
   * Encrypts stored secrets (webhook, integration, SSO) at rest (AES-256-GCM, key = HKDF-SHA256
   * of this value). Optional: without it the key is derived (HKDF, another label) from
   * IDENTITY_SECRET. The keys derived from IDENTITY_SECRET and IDENTITY_ACCEPTED_SECRETS are
   * always accepted for decryption, so setting or changing it keeps stored secrets readable.
   */
  WEBHOOK_ENCRYPTION_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /**
   * Comma-separated previous values of WEBHOOK_ENCRYPTION_KEY (or of IDENTITY_SECRET, when it was
   * replaced without an overlap), accepted for decryption only while stored secrets are
   * re-encrypted under the current key.
   */
  WEBHOOK_ENCRYPTION_ACCEPTED_KEYS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((key) => key.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(32, "every accepted key must be at least 32 characters"))),
  /** Allow `http://` endpoint URLs and SSO issuers (local development and tests only). */
  WEBHOOKS_ALLOW_HTTP: booleanFlag,
  /**
   * Allow webhook endpoints and SSO identity providers (issuer and every endpoint its discovery
   * advertises) on loopback, private, link-local and unique-local addresses (local only).
   */
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: booleanFlag,
  /** How long one delivery attempt may take, connection to last byte read. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Delays before each retry, comma-separated milliseconds (default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, "must be comma-separated milliseconds")
    .optional(),
  /** An endpoint whose deliveries failed without a success for this long is disabled (5 days). */
  WEBHOOK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * DAY_MS),
  /** How often deliveries that are due but not queued (e.g. after a Redis loss) are re-queued. */
  WEBHOOK_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(10_000),
  /** Attempts one process makes at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** SMTP server for notification emails, e.g. smtp://user:pass@smtp.example.com:587. Without it, emails are logged, not sent. */
  SMTP_URL: z.string().url().optional(),
  SMTP_FROM: z.string().min(3).default("Clment <notifications@clment.com>"),
});

/** The Standard Webhooks retry schedule after the first, immediate attempt: 27.5 h in all. */
export const DEFAULT_RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;

/** How long the previous secret keeps signing after a rotation. */
export const SECRET_ROTATION_OVERLAP_MS = DAY_MS;

/**
 * How often each process re-encrypts stored secrets still under a previous key (also once at
 * start): shorter than the 60 s a rotation waits before dropping the previous key.
 */
export const SECRET_REENCRYPT_INTERVAL_MS = 30_000;

export interface WebhookConfig {
  /** Raw key material; the AES key is derived from it. Absent: derived from IDENTITY_SECRET. */
  encryptionKey?: string;
  /** Previous raw key materials, accepted for decryption only. */
  acceptedEncryptionKeys: readonly string[];
  /** How often stored secrets under a previous key are re-encrypted under the current one. */
  reencryptIntervalMs: number;
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  /** Delay before retry n (the first attempt is immediate); one attempt per entry, plus one. */
  retryDelaysMs: readonly number[];
  disableAfterMs: number;
  sweepIntervalMs: number;
  concurrency: number;
  /** How long the previous secret keeps signing after a rotation. */
  secretOverlapMs: number;
  /** The response body is read up to this many bytes, then the connection is dropped. */
  maxResponseBytes: number;
  /** How much of the response body the delivery log keeps. */
  responseExcerptBytes: number;
}

export interface EmailConfig {
  /** Absent: messages are logged instead of sent. */
  smtpUrl?: string;
  from: string;
}

export interface SettingsConfig {
  webhooks: WebhookConfig;
  email: EmailConfig;
}

export function loadSettingsConfig(
  env: Record<string, string | undefined> = process.env,
): SettingsConfig {
  const parsed = loadConfig(settingsEnvSchema, env);
  return {
    webhooks: {
      ...(parsed.WEBHOOK_ENCRYPTION_KEY ? { encryptionKey: parsed.WEBHOOK_ENCRYPTION_KEY } : {}),
      acceptedEncryptionKeys: parsed.WEBHOOK_ENCRYPTION_ACCEPTED_KEYS,
      reencryptIntervalMs: SECRET_REENCRYPT_INTERVAL_MS,
      allowHttp: parsed.WEBHOOKS_ALLOW_HTTP,
      allowPrivateNetworks: parsed.WEBHOOKS_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: parsed.WEBHOOK_TIMEOUT_MS,
      retryDelaysMs: parsed.WEBHOOK_RETRY_DELAYS_MS
        ? parsed.WEBHOOK_RETRY_DELAYS_MS.split(",").map(Number)
        : [...DEFAULT_RETRY_DELAYS_MS],
      disableAfterMs: parsed.WEBHOOK_DISABLE_AFTER_MS,
      sweepIntervalMs: parsed.WEBHOOK_SWEEP_INTERVAL_MS,
      concurrency: parsed.WEBHOOK_CONCURRENCY,
      secretOverlapMs: SECRET_ROTATION_OVERLAP_MS,
      maxResponseBytes: 64 * 1024,
      responseExcerptBytes: 1024,
    },
    email: {
      ...(parsed.SMTP_URL ? { smtpUrl: parsed.SMTP_URL } : {}),
      from: parsed.SMTP_FROM,
    },
  };
}
