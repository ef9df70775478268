export * from "./errors.js";
export * from "./store-errors.js";
export * from "./logger.js";
export * from "./validation.js";
export * from "./request-id.js";
export * from "./error-handler.js";
export * from "./server.js";
export * from "./app.js";
