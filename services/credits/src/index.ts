export { creditsService, createCreditsService } from "./service.js";
export { loadCreditsConfig, type CreditsConfig } from "./config.js";
export { migrations } from "./migrations/index.js";
export { creditsOperations } from "./openapi.js";
