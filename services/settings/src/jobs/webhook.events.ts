import type { EventEnvelope, EventHandlers, EventType } from "@clment/queue";
import type { Db } from "../data/db.js";
import type { EmailNotificationService } from "../domain/email-notification.service.js";
import type { OrganizationService } from "../domain/organization.service.js";
import type { WebhookDeliveryService } from "../domain/webhook-delivery.service.js";

/**
 * The events the settings service consumes (see EVENT_ROUTES in @clment/queue): every public
 * webhook event is fanned out to the organization's endpoints; reminders, credit alerts and
 * disabled endpoints are also emailed; a plan change is recorded for the gateway's limits, and
 * billing actions are audited.
 *
 * The handlers write with the service's own connection rather than the consumer's transaction
 * on purpose: a delivery row must be committed before its attempt is queued, or the worker
 * could look for it too early. Writing it twice is harmless (one row per event and endpoint),
 * so a retried event only re-queues what has not been attempted yet. Emails go last: if one
 * fails, the event is retried and the email sent then.
 */
export function settingsEventHandlers(
  webhooks: WebhookDeliveryService,
  emails: EmailNotificationService,
  organizations: OrganizationService,
): EventHandlers {
  const deliver = <T extends EventType>(event: EventEnvelope<T>) => webhooks.deliverEvent(event);
  return {
    "contract.created": deliver,
    "contract.updated": deliver,
    "contract.deleted": deliver,
    "review.completed": deliver,
    "review.failed": deliver,
    "redline.completed": deliver,
    "conversion.completed": deliver,
    "key_date.reminder": async (event) => {
      await webhooks.deliverEvent(event);
      await emails.keyDateReminder(event);
    },
    "credits.low": async (event) => {
      await webhooks.deliverEvent(event);
      await emails.creditsLow(event);
    },
    "credits.exhausted": async (event) => {
      await webhooks.deliverEvent(event);
      await emails.creditsExhausted(event);
    },
    "webhook_endpoint.disabled": (event) => emails.webhookDisabled(event),
    // Not webhooks: billing happens in credits, the audit log is here; the plan also sets the
    // gateway's rate limits (credentials carry it). Audited in the consumer's transaction.
    "plan.changed": (event, trx) => organizations.applyPlan(event, trx as Db),
    "credit_pack.purchased": (event, trx) => organizations.auditPackPurchase(event, trx as Db),
  };
}
