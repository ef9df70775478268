import type { ServiceDefinition } from "@clment/runtime";
import type { DB } from "./data/db.js";
import { migrations } from "./migrations/index.js";

export const reviewService: ServiceDefinition<DB> = {
  name: "review",
  schema: "review",
  migrations,
  routes() {
    // Public routes arrive with the review issue; health and readiness come with the runtime.
  },
};
