import type { ServiceDefinition } from "@clment/runtime";
import type { DB } from "./data/db.js";
import { migrations } from "./migrations/index.js";

export const settingsService: ServiceDefinition<DB> = {
  name: "settings",
  schema: "settings",
  migrations,
  routes() {},
};
