import { loadConfig, z } from "@clment/config";

/**
 * The review service's own settings, beside the environment every service reads
 * (@clment/runtime). Parsed once at start; a bad value stops the process with every problem
 * listed.
 */
export const reviewEnvSchema = z
  .object({
    /** Which engine reviews contracts in this region: the built-in one, or an OpenAI-compatible API. */
    REVIEW_PROVIDER: z.enum(["builtin", "openai"]).default("builtin"),
    LLM_BASE_URL: z.string().url().optional(),
    LLM_MODEL: z.string().min(1).optional(),
    LLM_API_KEY: z.string().min(1).optional(),
    LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
    LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
    /** Jobs one process works on at once. */
    REVIEW_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** Attempts per job before it fails for good and its credits are released. */
    REVIEW_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
    /** How long a worker holds a job before another may take it over (a worker that died). */
    REVIEW_JOB_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  })
  .superRefine((env, context) => {
    if (env.REVIEW_PROVIDER !== "openai") return;
    for (const key of ["LLM_BASE_URL", "LLM_MODEL"] as const) {
      if (!env[key]) {
        context.addIssue({
          code: "custom",
          path: [key],
          message: "required when REVIEW_PROVIDER=openai",
        });
      }
    }
  });

export type ReviewEnv = z.output<typeof reviewEnvSchema>;

export interface ReviewSettings {
  provider:
    | { kind: "builtin" }
    | {
        kind: "openai";
        baseUrl: string;
        model: string;
        apiKey?: string;
        timeoutMs: number;
        maxRetries: number;
      };
  workerConcurrency: number;
  jobAttempts: number;
  /** First retry delay of a failed job; doubles each attempt. */
  jobBackoffMs: number;
  /** How long a worker holds a job before another may take it over (a worker that died). */
  jobLockMs: number;
  /**
   * How often, and after how long, work left unsettled (unfinished, or completed but not
   * charged) is queued again: its job went missing or was given up on.
   */
  sweepIntervalMs: number;
  staleWorkMs: number;
  /** Credits each operation costs (the credits service's pricing, `GET /v1/credits`). */
  prices: { review: number; redline: number; conversion: number };
}

export const DEFAULT_PRICES = { review: 10, redline: 5, conversion: 1 } as const;

export function reviewSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): ReviewSettings {
  const parsed = loadConfig(reviewEnvSchema, env);
  return {
    provider:
      parsed.REVIEW_PROVIDER === "openai"
        ? {
            kind: "openai",
            baseUrl: parsed.LLM_BASE_URL!,
            model: parsed.LLM_MODEL!,
            ...(parsed.LLM_API_KEY ? { apiKey: parsed.LLM_API_KEY } : {}),
            timeoutMs: parsed.LLM_TIMEOUT_MS,
            maxRetries: parsed.LLM_MAX_RETRIES,
          }
        : { kind: "builtin" },
    workerConcurrency: parsed.REVIEW_WORKER_CONCURRENCY,
    jobAttempts: parsed.REVIEW_JOB_ATTEMPTS,
    jobBackoffMs: 2_000,
    jobLockMs: parsed.REVIEW_JOB_LOCK_MS,
    sweepIntervalMs: 60_000,
    staleWorkMs: 10 * 60_000,
    prices: { ...DEFAULT_PRICES },
  };
}
