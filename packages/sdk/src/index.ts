export * from "./client.js";
export type { components, operations, paths } from "./schema.js";
export { verifyWebhook, WebhookVerificationError, type WebhookHeaders } from "@clment/webhooks";
