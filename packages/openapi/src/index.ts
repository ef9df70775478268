export * from "./operation.js";
export * from "./document.js";
export * from "./schemas.js";
export * from "./gateway.operations.js";
