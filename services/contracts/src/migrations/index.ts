import type { Migration } from "@clment/db";
import * as outbox from "./2026_12_04_0001_outbox.js";
import * as contracts from "./2026_12_04_0002_contracts.js";
import * as idempotencyKeys from "./2026_12_05_0001_idempotency_keys.js";
import * as searchSources from "./2026_12_06_0001_search_sources.js";
import * as searchPhrases from "./2026_12_06_0002_search_phrases.js";
import * as retention from "./2026_12_10_0001_retention.js";
import * as searchScope from "./2026_12_13_0001_search_scope.js";

export const migrations: Record<string, Migration> = {
  "2026_12_04_0001_outbox": outbox,
  "2026_12_04_0002_contracts": contracts,
  "2026_12_05_0001_idempotency_keys": idempotencyKeys,
  "2026_12_06_0001_search_sources": searchSources,
  "2026_12_06_0002_search_phrases": searchPhrases,
  "2026_12_10_0001_retention": retention,
  "2026_12_13_0001_search_scope": searchScope,
};
