import { ensureDatabase, migrate } from "@clment/db";
import { contractsService } from "@clment/contracts";
import { creditsService } from "@clment/credits";
import { reviewService } from "@clment/review";
import { settingsService } from "@clment/settings";

export const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A database of its own for a benchmark, with every service's schema migrated. */
export async function prepareBenchDatabase(name: string): Promise<string> {
  const url = await ensureDatabase(POSTGRES_URL, name);
  for (const service of [settingsService, contractsService, reviewService, creditsService]) {
    await migrate(url, service.schema, service.migrations);
  }
  return url;
}
