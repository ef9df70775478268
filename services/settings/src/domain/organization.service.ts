import { AppError } from "@clment/http";
import type { EventEnvelope } from "@clment/queue";
import { apiKeyRepository } from "../data/api-key.repository.js";
import { auditLogRepository } from "../data/audit-log.repository.js";
import type { Db } from "../data/db.js";
import { organizationRepository, type OrganizationRow } from "../data/organization.repository.js";
import { sessionRepository } from "../data/session.repository.js";
import { recordEvent } from "../data/transaction.js";
import { auditBy, settingsActor, type Caller } from "./caller.js";
import type { SettingsDeps } from "./deps.js";

export interface Organization {
  id: string;
  name: string;
  region: string;
  timezone: string;
  baseUrl: string;
  createdAt: string;
  updatedAt: string;
}

export function toOrganization(row: OrganizationRow, baseUrl: string): Organization {
  return {
    id: row.id,
    name: row.name,
    region: row.region,
    timezone: row.timezone,
    baseUrl,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface OrganizationChanges {
  name?: string;
  timezone?: string;
}

const EDITABLE = ["name", "timezone"] as const;

export class OrganizationService {
  constructor(private readonly deps: SettingsDeps) {}

  async get(caller: Caller): Promise<Organization> {
    const actor = settingsActor(caller);
    const row = await organizationRepository.findById(this.deps.db, actor.organizationId);
    if (!row) throw new AppError("NOT_FOUND", "Organization not found");
    return toOrganization(row, this.deps.publicBaseUrl);
  }

  async update(caller: Caller, changes: OrganizationChanges): Promise<Organization> {
    const actor = settingsActor(caller);
    const row = await this.deps.transactions.run(async (trx) => {
      const before = await organizationRepository.lock(trx, actor.organizationId);
      if (!before) throw new AppError("NOT_FOUND", "Organization not found");
      const fields = EDITABLE.filter(
        (field) => changes[field] !== undefined && changes[field] !== before[field],
      );
      if (fields.length === 0) return before;
      const after = await organizationRepository.update(
        trx,
        actor.organizationId,
        Object.fromEntries(fields.map((field) => [field, changes[field]])),
      );
      if (!after) throw new AppError("NOT_FOUND", "Organization not found");
      await recordEvent(trx, {
        type: "organization.updated",
        organizationId: after.id,
        data: { organization: { id: after.id, name: after.name, timezone: after.timezone } },
      });
      const diff = fields.map((field) => [field, { from: before[field], to: after[field] }]);
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "organization.updated",
          { type: "organization", id: after.id },
          {
            changes: Object.fromEntries(diff),
          },
        ),
      );
      return after;
    });
    return toOrganization(row, this.deps.publicBaseUrl);
  }

  /**
   * Takes the plan credits announced, and has the gateway verify the organization's keys and
   * sessions again, so their new rate limit applies from the next request rather than when
   * their cache entries expire.
   */
  async applyPlan(event: EventEnvelope<"plan.changed">, trx: Db): Promise<void> {
    const organizationId = event.organizationId;
    if (!organizationId) return;
    const { plan, previousPlan } = event.data;
    await auditLogRepository.insert(trx, {
      ...billingAudit(event, "billing.plan_changed"),
      target: { type: "organization", id: organizationId },
      metadata: { from: previousPlan, to: plan },
    });
    const { db } = this.deps;
    const changed = await organizationRepository.applyPlan(
      db,
      organizationId,
      event.data.plan,
      new Date(event.createdAt),
    );
    if (!changed) return;
    const [keys, sessions] = await Promise.all([
      apiKeyRepository.activeHashes(db, organizationId),
      sessionRepository.activeHashesOfOrganization(db, organizationId),
    ]);
    await this.deps.credentialCache.forget([...keys, ...sessions]);
  }

  /** Credits sells the packs; the organization's audit log, kept here, records who bought one. */
  async auditPackPurchase(event: EventEnvelope<"credit_pack.purchased">, trx: Db): Promise<void> {
    if (!event.organizationId) return;
    const { creditPack } = event.data;
    await auditLogRepository.insert(trx, {
      ...billingAudit(event, "billing.credit_pack_purchased"),
      target: { type: "credit_pack", id: creditPack.id },
      metadata: { size: creditPack.size, expiresAt: creditPack.expiresAt },
    });
  }
}

/**
 * The audit entry of a billing action credits reported: by whoever the event names (events from
 * before actors were sent: the credits service), in the same transaction that marks the event
 * consumed, so a redelivered event is not audited twice.
 */
function billingAudit(
  event: EventEnvelope<"plan.changed" | "credit_pack.purchased">,
  action: string,
): {
  organizationId: string;
  action: string;
  actor: { type: string; id: string };
  requestId: null;
} {
  return {
    organizationId: event.organizationId!,
    action,
    actor: event.data.actor ?? { type: "service", id: "credits" },
    requestId: null,
  };
}
