import type { Logger } from "@clment/http";
import type { WebhookHttpClient } from "../clients/webhook.http.js";
import type { WebhookConfig } from "../config.js";
import type { DeliveryScheduler } from "../jobs/webhook-delivery.jobs.js";
import type { SettingsDeps } from "./deps.js";
import type { SecretReencryptionService } from "./secret-reencryption.service.js";
import type { WebhookSecretCipher } from "./webhook.secrets.js";

/** What the webhook use cases work with, beside the service's common dependencies. */
export interface WebhookDeps extends SettingsDeps {
  config: WebhookConfig;
  cipher: WebhookSecretCipher;
  /** Moves secrets read under a previous encryption key to the current one. */
  reencryption: SecretReencryptionService;
  http: WebhookHttpClient;
  scheduler: DeliveryScheduler;
  logger: Logger;
}
