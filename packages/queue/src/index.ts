export * from "./redis.js";
export * from "./events.js";
export * from "./settings.js";
export * from "./retry.js";
export * from "./outbox.js";
export * from "./consumer.js";
