import type { Migration } from "@clment/db";
import * as outbox from "./2026_12_04_0001_outbox.js";

export const migrations: Record<string, Migration> = {
  "2026_12_04_0001_outbox": outbox,
};
