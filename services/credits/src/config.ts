import { loadConfig, z } from "@clment/config";

/** The credits service's own settings, beside the environment every service reads. */
export const creditsEnvSchema = z.object({
  /** How long a reservation holds credits when the caller does not say. */
  CREDITS_RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(1_800),
  /**
   * The most reservations of one organization written in one statement (group commit); 1
   * writes each on its own.
   */
  CREDITS_RESERVATION_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
  /** How often overdue reservations are looked for and released. */
  CREDITS_RESERVATION_SWEEP_MS: z.coerce.number().int().min(50).default(5_000),
  /** How often ended periods are rolled over and expired packs cleared. */
  CREDITS_MAINTENANCE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(15 * 60_000),
});

export interface CreditsConfig {
  reservationTtlSeconds: number;
  reservationBatchSize: number;
  reservationSweepMs: number;
  maintenanceIntervalMs: number;
}

export function loadCreditsConfig(
  env: Record<string, string | undefined> = process.env,
): CreditsConfig {
  const parsed = loadConfig(creditsEnvSchema, env);
  return {
    reservationTtlSeconds: parsed.CREDITS_RESERVATION_TTL_SECONDS,
    reservationBatchSize: parsed.CREDITS_RESERVATION_BATCH_SIZE,
    reservationSweepMs: parsed.CREDITS_RESERVATION_SWEEP_MS,
    maintenanceIntervalMs: parsed.CREDITS_MAINTENANCE_INTERVAL_MS,
  };
}

export const DEFAULT_CREDITS_CONFIG: CreditsConfig = loadCreditsConfig({});
