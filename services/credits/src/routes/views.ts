import type { Reservation } from "@clment/credits-client";
import type { LedgerEntry } from "../data/ledger.repository.js";
import type { CreditPack } from "../data/pack.repository.js";
import type { ReservationRecord } from "../data/reservation.repository.js";
import type { Billing } from "../domain/billing.service.js";
import { periodView } from "../domain/period.js";
import { PACK_SIZES, PACK_VALIDITY_MONTHS, PLAN_IDS, PLANS } from "../domain/plans.js";

/** How the API shows the credits service's records: plain JSON, ISO timestamps. */

export function reservationView(r: ReservationRecord): Reservation {
  return {
    id: r.id,
    organizationId: r.organizationId,
    amount: r.amount,
    operation: r.operation as Reservation["operation"],
    resourceId: r.resourceId,
    idempotencyKey: r.idempotencyKey,
    status: r.status,
    allocation: r.allocation,
    expiresAt: r.expiresAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    capturedAt: r.capturedAt?.toISOString() ?? null,
    releasedAt: r.releasedAt?.toISOString() ?? null,
  };
}

export function creditPackView(pack: CreditPack) {
  return {
    id: pack.id,
    size: pack.size,
    remaining: pack.remaining,
    purchasedAt: pack.purchasedAt.toISOString(),
    expiresAt: pack.expiresAt.toISOString(),
  };
}

export function ledgerEntryView(entry: LedgerEntry) {
  return {
    id: entry.id,
    kind: entry.kind,
    amount: entry.amount,
    balanceChange: entry.balanceChange,
    bucket: entry.bucket,
    packId: entry.packId,
    periodStart: entry.periodStart && periodView({ start: entry.periodStart, end: "" }).start,
    reservationId: entry.reservationId,
    operation: entry.operation,
    resourceId: entry.resourceId,
    actor: entry.actor,
    metadata: entry.metadata,
    createdAt: entry.createdAt.toISOString(),
  };
}

export function billingView(billing: Billing) {
  return {
    plan: billing.plan,
    monthlyAllowance: billing.monthlyAllowance,
    period: periodView(billing.period),
    allowance: billing.allowance,
    packs: billing.packs.map(creditPackView),
    balance: billing.balance,
    // What an admin can choose from, so clients (the console too) need no copy of the catalogue.
    availablePlans: PLAN_IDS.map((id) => ({ id, ...PLANS[id] })),
    packSizes: [...PACK_SIZES],
    packValidityMonths: PACK_VALIDITY_MONTHS,
  };
}
