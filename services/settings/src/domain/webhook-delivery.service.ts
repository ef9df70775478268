import { randomUUID } from "node:crypto";
import { AppError } from "@clment/http";
import type { EventEnvelope } from "@clment/queue";
import { metrics } from "@clment/runtime";
import { signWebhook } from "@clment/webhooks";
import type { AttemptResult } from "../clients/webhook.http.js";
import { auditLogRepository } from "../data/audit-log.repository.js";
import type { WebhookAttemptTrigger } from "../data/db.js";
import type { ListOptions } from "../data/list.js";
import { recordEvent } from "../data/transaction.js";
import {
  webhookDeliveryRepository as deliveries,
  type AttemptSettlement,
  type ClaimedDelivery,
  type DeliveryJobRef,
} from "../data/webhook-delivery.repository.js";
import { webhookEndpointRepository as endpoints } from "../data/webhook-endpoint.repository.js";
import { auditBy, settingsActor, type Caller, type SettingsActor } from "./caller.js";
import { secretAssociatedData } from "./secret-reencryption.service.js";
import type { WebhookDeps } from "./webhook.deps.js";
import {
  toDelivery,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type WebhookBody,
  type WebhookDelivery,
} from "./webhook.model.js";
import { isGone, isSuccess, settle } from "./webhook.schedule.js";

/** Attempt outcomes for Prometheus (`clment_webhook_deliveries_total`). */
const OUTCOME = { succeeded: "delivered", pending: "retried", failed: "failed" } as const;

const PUBLIC_EVENTS: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export interface DeliveryListOptions extends ListOptions {
  status?: WebhookDelivery["status"];
  eventType?: string;
}

/**
 * Webhook delivery: an event becomes one delivery per subscribed endpoint of its organization
 * (and of no other), each delivery is attempted, retried on the schedule, and logged attempt by
 * attempt; owners and admins read the log, redeliver and send test events.
 */
export class WebhookDeliveryService {
  constructor(private readonly deps: WebhookDeps) {}

  /** Fans a public event out to its organization's endpoints; an event seen twice adds nothing. */
  async deliverEvent(event: EventEnvelope): Promise<void> {
    if (!event.organizationId || !PUBLIC_EVENTS.has(event.type)) return;
    if (event.type === "key_date.reminder") {
      const { channels } = (event as EventEnvelope<"key_date.reminder">).data.reminder;
      if (!channels.includes("webhook")) return;
    }
    const body: WebhookBody = {
      id: event.id,
      type: event.type,
      createdAt: event.createdAt,
      data: event.data,
    };
    const jobs = await deliveries.createForEvent(this.deps.db, {
      organizationId: event.organizationId,
      eventId: event.id,
      eventType: event.type,
      eventCreatedAt: new Date(event.createdAt),
      body: JSON.stringify(body),
    });
    await this.deps.scheduler.schedule(jobs);
  }

  /**
   * One attempt of a delivery: sign with the endpoint's secret(s), send, log the attempt and
   * decide what follows (delivered; retry later; 410 or days of failures disable the endpoint).
   */
  async attempt(job: DeliveryJobRef): Promise<void> {
    const { config } = this.deps;
    const delivery = await deliveries.claim(this.deps.db, job, config.timeoutMs + 30_000);
    if (!delivery) return;
    if (!delivery.endpoint_enabled) {
      await deliveries.abandon(this.deps.db, delivery.id, "webhook disabled");
      return;
    }
    const startedAt = new Date();
    const result = await this.send(delivery, startedAt);
    const settlement = settle(result, delivery.retry_index, config.retryDelaysMs);
    const next = await this.deps.transactions.run(async (trx) => {
      const final = (await this.updateEndpointHealth(trx, delivery, result)) ?? settlement;
      return deliveries.recordAttempt(
        trx,
        delivery,
        { ...result, trigger: triggerOf(delivery), startedAt },
        final,
      );
    });
    metrics.webhookDeliveries.inc({ service: "settings", outcome: OUTCOME[settlement.status] });
    if (next && settlement.status === "pending") {
      await this.deps.scheduler.schedule([{ ...next, delayMs: settlement.delayMs }]);
    }
  }

  /** Due deliveries nobody is attempting (for the sweeper). */
  due(limit: number): Promise<DeliveryJobRef[]> {
    return deliveries.due(this.deps.db, limit);
  }

  async list(caller: Caller, webhookId: string, options: DeliveryListOptions) {
    const actor = settingsActor(caller);
    await this.endpointOf(actor, webhookId);
    const { items, total } = await deliveries.list(
      this.deps.db,
      actor.organizationId,
      webhookId,
      options,
    );
    return { deliveries: items.map(toDelivery), total };
  }

  /** A delivery with every attempt made. */
  async get(caller: Caller, webhookId: string, deliveryId: string) {
    const actor = settingsActor(caller);
    const row = await deliveries.findById(
      this.deps.db,
      actor.organizationId,
      webhookId,
      deliveryId,
    );
    if (!row) throw new AppError("NOT_FOUND", "Delivery not found");
    const attempts = await deliveries.attempts(this.deps.db, actor.organizationId, deliveryId);
    return {
      ...toDelivery(row),
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        trigger: a.trigger,
        startedAt: a.started_at.toISOString(),
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
        responseExcerpt: a.response_excerpt,
      })),
    };
  }

  /**
   * Sends a delivery again now, with the same `webhook-id` and body (a fresh timestamp and
   * signature), and a new round of retries if it fails.
   */
  async redeliver(caller: Caller, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
    const actor = settingsActor(caller);
    const endpoint = await this.endpointOf(actor, webhookId);
    if (!endpoint.enabled) {
      throw new AppError("CONFLICT", "The webhook is disabled; enable it before redelivering");
    }
    const row = await this.deps.transactions.run(async (trx) => {
      const scheduled = await deliveries.redeliver(
        trx,
        actor.organizationId,
        webhookId,
        deliveryId,
      );
      if (!scheduled) {
        const exists = await deliveries.findById(trx, actor.organizationId, webhookId, deliveryId);
        if (!exists) throw new AppError("NOT_FOUND", "Delivery not found");
        throw new AppError("CONFLICT", "An attempt of this delivery is in progress; retry shortly");
      }
      await auditLogRepository.insert(
        trx,
        auditBy(actor, "webhook.redelivered", { type: "webhook", id: webhookId }, { deliveryId }),
      );
      return scheduled;
    });
    await this.deps.scheduler.schedule([{ deliveryId: row.id, seq: row.job_seq }]);
    return toDelivery(row);
  }

  /** Sends a `webhook.test` event to the endpoint now, whatever it subscribes to. */
  async sendTest(caller: Caller, webhookId: string): Promise<WebhookDelivery> {
    const actor = settingsActor(caller);
    const endpoint = await this.endpointOf(actor, webhookId);
    if (!endpoint.enabled) {
      throw new AppError("CONFLICT", "The webhook is disabled; enable it before testing");
    }
    const id = randomUUID();
    const createdAt = new Date();
    const body: WebhookBody = {
      id,
      type: WEBHOOK_TEST_EVENT,
      createdAt: createdAt.toISOString(),
      data: {
        webhook: { id: endpoint.id, url: endpoint.url },
        message: "A test event from Clment: your endpoint receives webhooks.",
      },
    };
    const row = await deliveries.insertOne(this.deps.db, webhookId, {
      organizationId: actor.organizationId,
      eventId: id,
      eventType: WEBHOOK_TEST_EVENT,
      eventCreatedAt: createdAt,
      body: JSON.stringify(body),
    });
    await this.deps.scheduler.schedule([{ deliveryId: row.id, seq: row.job_seq }]);
    return toDelivery(row);
  }

  private async endpointOf(actor: SettingsActor, webhookId: string) {
    const endpoint = await endpoints.findById(this.deps.db, actor.organizationId, webhookId);
    if (!endpoint) throw new AppError("NOT_FOUND", "Webhook not found");
    return endpoint;
  }

  private async send(delivery: ClaimedDelivery, startedAt: Date): Promise<AttemptResult> {
    let secrets: string[];
    try {
      secrets = await this.secretsOf(delivery, startedAt);
    } catch (error) {
      // No accepted key opens a stored secret (its key was dropped before it was re-encrypted):
      // no attempt can be signed until the secret is rotated. Logged as a failed attempt, never
      // as a stuck delivery.
      this.deps.logger.error(
        { err: error, webhookId: delivery.endpoint_id },
        "webhook secret unreadable",
      );
      return {
        statusCode: null,
        durationMs: 0,
        error: "the webhook secret cannot be read; rotate it",
        responseExcerpt: null,
      };
    }
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    const headers = signWebhook(secrets, delivery.event_id, timestamp, delivery.body);
    return this.deps.http.send(delivery.url, { ...headers }, delivery.body);
  }

  /**
   * The current secret, and the previous one while its rotation overlap lasts; one read under a
   * previous encryption key is written again under the current key.
   */
  private async secretsOf(delivery: ClaimedDelivery, now: Date): Promise<string[]> {
    const stored: [column: "secret_ciphertext" | "previous_secret_ciphertext", string][] = [
      ["secret_ciphertext", delivery.secret_ciphertext],
    ];
    if (
      delivery.previous_secret_ciphertext &&
      delivery.previous_secret_expires_at &&
      delivery.previous_secret_expires_at > now
    ) {
      stored.push(["previous_secret_ciphertext", delivery.previous_secret_ciphertext]);
    }
    const secrets: string[] = [];
    for (const [column, ciphertext] of stored) {
      const location = { kind: "webhook" as const, webhookId: delivery.endpoint_id, column };
      const secret = this.deps.cipher.decrypt(ciphertext, secretAssociatedData(location));
      await this.deps.reencryption.refresh(location, ciphertext, secret);
      secrets.push(secret);
    }
    return secrets;
  }

  /**
   * A success ends the endpoint's failure streak. A failure extends it; a 410, or a streak
   * older than the limit (5 days), disables the endpoint: its waiting deliveries fail, and
   * `webhook_endpoint.disabled` tells its admins (by email). Returns the delivery's settlement
   * when the endpoint was disabled.
   */
  private async updateEndpointHealth(
    trx: WebhookDeps["db"],
    delivery: ClaimedDelivery,
    result: AttemptResult,
  ): Promise<AttemptSettlement | undefined> {
    if (isSuccess(result)) {
      if (delivery.failing_since) await endpoints.recordSuccess(trx, delivery.endpoint_id);
      return undefined;
    }
    const failingForMs = await endpoints.recordFailure(trx, delivery.endpoint_id);
    const reason = isGone(result)
      ? "gone"
      : failingForMs >= this.deps.config.disableAfterMs
        ? "failing"
        : undefined;
    if (!reason) return undefined;
    const disabled = await endpoints.disable(trx, delivery.endpoint_id, reason);
    if (disabled) {
      await deliveries.abandonPendingOf(trx, disabled.id, "webhook disabled");
      await recordEvent(trx, {
        type: "webhook_endpoint.disabled",
        organizationId: disabled.organization_id,
        data: {
          webhook: { id: disabled.id, url: disabled.url, description: disabled.description },
          reason,
          failingSince: disabled.failing_since?.toISOString() ?? null,
          lastError: result.error,
          lastStatusCode: result.statusCode,
        },
      });
      await auditLogRepository.insert(trx, {
        organizationId: disabled.organization_id,
        action: "webhook.disabled",
        actor: { type: "system", id: "webhook-delivery" },
        target: { type: "webhook", id: disabled.id },
        requestId: null,
        metadata: { reason, statusCode: result.statusCode, error: result.error },
      });
    }
    return { status: "failed" };
  }
}

function triggerOf(delivery: ClaimedDelivery): WebhookAttemptTrigger {
  if (delivery.retry_index > 0) return "retry";
  if (delivery.attempt_count > 0) return "redeliver";
  return delivery.event_type === WEBHOOK_TEST_EVENT ? "test" : "event";
}
