export { contractsService } from "./service.js";
export { migrations } from "./migrations/index.js";
