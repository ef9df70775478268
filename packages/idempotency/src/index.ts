export * from "./fingerprint.js";
export * from "./idempotency.repository.js";
export * from "./idempotency.middleware.js";
export * from "./idempotency.migration.js";
