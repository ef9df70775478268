import type { ServiceDefinition } from "@clment/runtime";
import type { DB } from "./data/db.js";
import { migrations } from "./migrations/index.js";

export const creditsService: ServiceDefinition<DB> = {
  name: "credits",
  schema: "credits",
  migrations,
  routes() {
    // Public routes arrive with the credits issue; health and readiness come with the runtime.
  },
};
