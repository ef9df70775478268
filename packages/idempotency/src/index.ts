export * from "./fingerprint.js";
export * from "./idempotency.repository.js";
export * from "./idempotency.middleware.js";
