import { metrics } from "@clment/runtime";
import type { NewLedgerEntry } from "../data/ledger.repository.js";
import type { ReservationRecord } from "../data/reservation.repository.js";

/** Reservation outcomes for Prometheus (`clment_credit_reservations_total`). */
export function countReservation(
  outcome: "reserved" | "insufficient" | "captured" | "released" | "expired",
  count = 1,
): void {
  metrics.creditReservations.inc({ service: "credits", outcome }, count);
}

/** What every ledger entry about a reservation says. */
export function entryBase(reservation: ReservationRecord, now: Date) {
  return {
    organizationId: reservation.organizationId,
    reservationId: reservation.id,
    operation: reservation.operation,
    resourceId: reservation.resourceId,
    createdAt: now,
  };
}

/** One ledger entry per bucket the reservation drew from, with `sign` on the balance. */
export function reservationEntries(
  reservation: ReservationRecord,
  kind: "reserve" | "release",
  sign: 1 | -1,
  now: Date,
  metadata: Record<string, unknown> = {},
): NewLedgerEntry[] {
  const base = { ...entryBase(reservation, now), kind, metadata };
  const { allowance, packs } = reservation.allocation;
  return [
    ...(allowance > 0
      ? [
          {
            ...base,
            amount: allowance,
            balanceChange: sign * allowance,
            bucket: "allowance" as const,
            periodStart: reservation.periodStart,
          },
        ]
      : []),
    ...packs.map((part) => ({
      ...base,
      amount: part.amount,
      balanceChange: sign * part.amount,
      bucket: "pack" as const,
      packId: part.packId,
    })),
  ];
}
