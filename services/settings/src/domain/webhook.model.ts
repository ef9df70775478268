import type { EventType } from "@clment/queue";
import type { WebhookDeliveryRow } from "../data/webhook-delivery.repository.js";
import type { WebhookEndpointRow } from "../data/webhook-endpoint.repository.js";

/** The events an endpoint can subscribe to: the public list of API.md (Webhooks). */
export const WEBHOOK_EVENT_TYPES = [
  "contract.created",
  "contract.updated",
  "contract.deleted",
  "review.completed",
  "review.failed",
  "redline.completed",
  "conversion.completed",
  "key_date.reminder",
  "credits.low",
  "credits.exhausted",
] as const satisfies readonly EventType[];

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event `POST /v1/settings/webhooks/:id/test` sends, whatever the endpoint subscribes to. */
export const WEBHOOK_TEST_EVENT = "webhook.test";

/** What a receiver gets: the body of every webhook. */
export interface WebhookBody {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
}

/** An endpoint as the API shows it: never its secret. */
export interface Webhook {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  /** While a rotated-out secret still signs alongside the current one. */
  previousSecretExpiresAt: string | null;
  failingSince: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export function toWebhook(row: WebhookEndpointRow, now = new Date()): Webhook {
  const overlap =
    row.previous_secret_expires_at && row.previous_secret_expires_at > now
      ? row.previous_secret_expires_at.toISOString()
      : null;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    previousSecretExpiresAt: overlap,
    failingSince: row.failing_since?.toISOString() ?? null,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** One event sent to one endpoint, with the outcome of its latest attempt. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  /** The `webhook-id` header and the body's `id`; the same on every attempt and redelivery. */
  eventId: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed";
  attemptCount: number;
  lastAttemptAt: string | null;
  statusCode: number | null;
  durationMs: number | null;
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attemptCount: row.attempt_count,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    statusCode: row.last_status_code,
    durationMs: row.last_duration_ms,
    error: row.last_error,
    responseExcerpt: row.last_response_excerpt,
    nextAttemptAt: row.status === "pending" ? (row.next_attempt_at?.toISOString() ?? null) : null,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
