import { randomUUID } from "node:crypto";
import { AppError } from "@clment/http";
import { generateWebhookSecret } from "@clment/webhooks";
import { RefusedUrlError } from "../clients/webhook.http.js";
import { auditLogRepository } from "../data/audit-log.repository.js";
import type { ListOptions } from "../data/list.js";
import { webhookDeliveryRepository } from "../data/webhook-delivery.repository.js";
import {
  webhookEndpointRepository,
  type WebhookEndpointChanges,
} from "../data/webhook-endpoint.repository.js";
import { auditBy, settingsActor, type Caller } from "./caller.js";
import type { WebhookDeps } from "./webhook.deps.js";
import { toWebhook, type Webhook, type WebhookEventType } from "./webhook.model.js";

export interface NewWebhook {
  url: string;
  events: WebhookEventType[];
  description?: string;
}

const notFound = () => new AppError("NOT_FOUND", "Webhook not found");

/**
 * Webhook subscriptions of an organization, for its owners and admins. A secret is shown once,
 * when it is made (creation, rotation); it is stored encrypted and never returned again.
 */
export class WebhookEndpointService {
  constructor(private readonly deps: WebhookDeps) {}

  async list(caller: Caller, options: ListOptions) {
    const actor = settingsActor(caller);
    const { items, total } = await webhookEndpointRepository.list(
      this.deps.db,
      actor.organizationId,
      options,
    );
    return { webhooks: items.map((row) => toWebhook(row)), total };
  }

  async get(caller: Caller, id: string): Promise<Webhook> {
    const actor = settingsActor(caller);
    const row = await webhookEndpointRepository.findById(this.deps.db, actor.organizationId, id);
    if (!row) throw notFound();
    return toWebhook(row);
  }

  async create(caller: Caller, input: NewWebhook): Promise<{ webhook: Webhook; secret: string }> {
    const actor = settingsActor(caller);
    const url = await this.checkedUrl(input.url);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const row = await this.deps.transactions.run(async (trx) => {
      const endpoint = await webhookEndpointRepository.insert(trx, {
        id,
        organizationId: actor.organizationId,
        url,
        description: input.description ?? "",
        events: input.events,
        secretCiphertext: this.deps.cipher.encrypt(secret, id),
        createdBy: actor.userId,
      });
      await auditLogRepository.insert(
        trx,
        auditBy(actor, "webhook.created", { type: "webhook", id }, { url, events: input.events }),
      );
      return endpoint;
    });
    return { webhook: toWebhook(row), secret };
  }

  async update(caller: Caller, id: string, changes: WebhookEndpointChanges): Promise<Webhook> {
    const actor = settingsActor(caller);
    const url = changes.url === undefined ? undefined : await this.checkedUrl(changes.url);
    const row = await this.deps.transactions.run(async (trx) => {
      // Where the events went before: a new URL sends all of them to another host.
      const before =
        url === undefined
          ? undefined
          : await webhookEndpointRepository.findById(trx, actor.organizationId, id);
      const updated = await webhookEndpointRepository.update(trx, actor.organizationId, id, {
        ...changes,
        ...(url !== undefined ? { url } : {}),
      });
      if (!updated) throw notFound();
      if (changes.enabled === false) {
        await webhookDeliveryRepository.abandonPendingOf(trx, id, "webhook disabled");
      }
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "webhook.updated",
          { type: "webhook", id },
          {
            changed: Object.keys(changes),
            ...(url !== undefined && before?.url !== url
              ? { url: { from: before?.url ?? null, to: url } }
              : {}),
          },
        ),
      );
      return updated;
    });
    return toWebhook(row);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    const actor = settingsActor(caller);
    await this.deps.transactions.run(async (trx) => {
      const deleted = await webhookEndpointRepository.delete(trx, actor.organizationId, id);
      if (!deleted) throw notFound();
      await auditLogRepository.insert(
        trx,
        auditBy(actor, "webhook.deleted", { type: "webhook", id }),
      );
    });
  }

  /**
   * A new secret, shown once. The previous one keeps signing beside it for the overlap (24 h),
   * so receivers can switch without losing a message: the signature header carries both.
   */
  async rotateSecret(caller: Caller, id: string): Promise<{ webhook: Webhook; secret: string }> {
    const actor = settingsActor(caller);
    const secret = generateWebhookSecret();
    const row = await this.deps.transactions.run(async (trx) => {
      const rotated = await webhookEndpointRepository.rotateSecret(trx, actor.organizationId, id, {
        secretCiphertext: this.deps.cipher.encrypt(secret, id),
        previousExpiresAt: new Date(Date.now() + this.deps.config.secretOverlapMs),
      });
      if (!rotated) throw notFound();
      await auditLogRepository.insert(
        trx,
        auditBy(actor, "webhook.secret_rotated", { type: "webhook", id }),
      );
      return rotated;
    });
    return { webhook: toWebhook(row), secret };
  }

  /** The URL as it will be stored, if this region delivers to it (scheme, address). */
  private async checkedUrl(raw: string): Promise<string> {
    try {
      return await this.deps.http.check(raw);
    } catch (error) {
      if (!(error instanceof RefusedUrlError)) throw error;
      throw new AppError("VALIDATION_ERROR", "Invalid body", [
        { path: "body.url", message: error.message },
      ]);
    }
  }
}
