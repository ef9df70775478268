export { settingsService, createSettingsService, type SettingsServiceOptions } from "./service.js";
export { loadSettingsConfig, type SettingsConfig, type WebhookConfig } from "./config.js";
export { migrations } from "./migrations/index.js";
export { settingsOperations } from "./openapi.js";
