export { contractsService } from "./service.js";
export { migrations } from "./migrations/index.js";
export { contractsOperations } from "./openapi.js";
