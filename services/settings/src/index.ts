export { settingsService } from "./service.js";
export { migrations } from "./migrations/index.js";
