import type { ServiceDefinition } from "@clment/runtime";
import type { DB } from "./data/db.js";
import { migrations } from "./migrations/index.js";

export const contractsService: ServiceDefinition<DB> = {
  name: "contracts",
  schema: "contracts",
  migrations,
  routes() {
    // Public routes arrive with the contracts issue; health and readiness come with the runtime.
  },
};
