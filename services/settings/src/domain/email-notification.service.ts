import type { Kysely } from "kysely";
import type { EventEnvelope } from "@clment/queue";
import type { Email, Mailer } from "../clients/email.mailer.js";
import type { DB } from "../data/db.js";
import { organizationRepository } from "../data/organization.repository.js";
import { userRepository } from "../data/user.repository.js";

/**
 * The emails the settings service sends for what happened elsewhere: key date reminders with
 * the `email` channel (to the reminder's recipients who are members, or else the organization's
 * admins), low and exhausted credits, and a webhook endpoint that delivery disabled (to the
 * admins). A message that cannot be sent throws, so the event is handled again later.
 */
export class EmailNotificationService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly mailer: Mailer,
  ) {}

  async keyDateReminder(event: EventEnvelope<"key_date.reminder">): Promise<void> {
    const { reminder, keyDate, contract } = event.data;
    if (!event.organizationId || !reminder.channels.includes("email")) return;
    // Only the organization's own members get Clment's email: anyone could otherwise sign up
    // and send text of their choosing from our address to any inbox. A reminder none of whose
    // recipients is a member goes to the admins, as one without recipients does.
    const members = await userRepository.activeMemberEmails(
      this.db,
      event.organizationId,
      reminder.recipients,
    );
    const to =
      members.length > 0
        ? members
        : await userRepository.adminEmails(this.db, event.organizationId);
    const days = reminder.daysBefore === 1 ? "1 day" : `${reminder.daysBefore} days`;
    await this.send(event.organizationId, to, {
      subject: `Reminder: ${keyDate.title} on ${keyDate.date} (${contract.title})`,
      lines: [
        `${keyDate.title} (${keyDate.kind}) of the contract "${contract.title}" is on ${keyDate.date}, in ${days}.`,
        ...(keyDate.description ? ["", keyDate.description] : []),
        "",
        `Contract: ${contract.id}`,
        `Key date: ${keyDate.id}`,
      ],
    });
  }

  async creditsLow(event: EventEnvelope<"credits.low">): Promise<void> {
    const { balance, plan, monthlyAllowance, period } = event.data;
    await this.toAdmins(event.organizationId, {
      subject: "Your Clment credits are running low",
      lines: [
        `${balance.total} credits are left (${balance.allowance} of the ${plan} plan's monthly ${monthlyAllowance}, ${balance.packs} in packs).`,
        `The allowance renews on ${period.end}. Buy a credit pack in Settings → Billing to keep reviews running.`,
      ],
    });
  }

  async creditsExhausted(event: EventEnvelope<"credits.exhausted">): Promise<void> {
    const { plan, period } = event.data;
    await this.toAdmins(event.organizationId, {
      subject: "Your Clment credits are used up",
      lines: [
        `No credits are left on the ${plan} plan: reviews, redlines and conversions are refused until ${period.end}.`,
        "Buy a credit pack or change the plan in Settings → Billing.",
      ],
    });
  }

  async webhookDisabled(event: EventEnvelope<"webhook_endpoint.disabled">): Promise<void> {
    const { webhook, reason, failingSince, lastError, lastStatusCode } = event.data;
    const why =
      reason === "gone"
        ? "it answered 410 Gone"
        : `every delivery to it has failed since ${failingSince ?? "several days"}`;
    await this.toAdmins(event.organizationId, {
      subject: `A webhook endpoint was disabled: ${webhook.url}`,
      lines: [
        `The webhook endpoint ${webhook.url}${webhook.description ? ` (${webhook.description})` : ""} was disabled because ${why}.`,
        `Last attempt: ${lastStatusCode !== null ? `HTTP ${lastStatusCode}` : (lastError ?? "no response")}.`,
        "",
        "Fix the endpoint, enable it again in Settings → Webhooks, and redeliver what it missed.",
        `Webhook: ${webhook.id}`,
      ],
    });
  }

  private async toAdmins(
    organizationId: string | null,
    message: { subject: string; lines: string[] },
  ): Promise<void> {
    if (!organizationId) return;
    const to = await userRepository.adminEmails(this.db, organizationId);
    await this.send(organizationId, to, message);
  }

  private async send(
    organizationId: string,
    to: string[],
    message: { subject: string; lines: string[] },
  ): Promise<void> {
    const organization = await organizationRepository.findById(this.db, organizationId);
    if (!organization) return;
    const email: Email = {
      to,
      subject: message.subject,
      text: [`Organization: ${organization.name}`, "", ...message.lines, ""].join("\n"),
    };
    await this.mailer.send(email);
  }
}
