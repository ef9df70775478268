import type { Migration } from "@clment/db";
import * as outbox from "./2026_12_04_0001_outbox.js";
import * as idempotencyKeys from "./2026_12_05_0001_idempotency_keys.js";
import * as credits from "./2026_12_05_0002_credits.js";
import * as retention from "./2026_12_10_0001_retention.js";

export const migrations: Record<string, Migration> = {
  "2026_12_04_0001_outbox": outbox,
  "2026_12_05_0001_idempotency_keys": idempotencyKeys,
  "2026_12_05_0002_credits": credits,
  "2026_12_10_0001_retention": retention,
};
