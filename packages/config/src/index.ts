import { z } from "zod";

export const REGIONS = ["us", "eu", "au"] as const;
export const Region = z.enum(REGIONS);
export type Region = z.infer<typeof Region>;

/** Gateway ports of the local three-region setup (`npm start`). */
export const LOCAL_GATEWAY_PORT: Record<Region, number> = { us: 7100, eu: 7200, au: 7300 };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses the environment once, at start, into a typed, frozen object. Every problem is
 * listed in one error so an operator fixes them all in one go.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): DeepReadonly<z.output<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
    );
  }
  return deepFreeze(parsed.data) as DeepReadonly<z.output<S>>;
}

/** Environment fields every process of a region reads. */
export const commonEnv = {
  REGION: Region,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Key prefix of this region in Redis (BullMQ queues, caches). Defaults to `clment:<region>`. */
  REDIS_PREFIX: z.string().min(1).optional(),
  /** Secret the gateway signs identity tokens with and services verify them with (≥ 32 chars). */
  IDENTITY_SECRET: z.string().min(32, "must be at least 32 characters"),
  /**
   * Comma-separated secrets accepted, besides IDENTITY_SECRET, when verifying identity tokens
   * (never used to sign): the overlap that makes rotating the secret zero-downtime.
   */
  IDENTITY_ACCEPTED_SECRETS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((secret) => secret.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(32, "every accepted secret must be at least 32 characters"))),
};

export const portField = z.coerce.number().int().min(0).max(65535);

export function redisPrefix(region: Region, explicit?: string): string {
  return explicit ?? `clment:${region}`;
}

export { z };
