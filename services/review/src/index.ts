export { reviewService } from "./service.js";
export { migrations } from "./migrations/index.js";
