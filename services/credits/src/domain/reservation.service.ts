import { AppError } from "@clment/http";
import type { CreditOperation } from "@clment/credits-client";
import type { Account } from "../data/account.repository.js";
import type { Repositories } from "../data/credits.store.js";
import type { ReservationRecord } from "../data/reservation.repository.js";
import { rollOver } from "./account.service.js";
import type { CreditsDeps } from "./deps.js";
import { dayOf } from "./period.js";
import { ReservationBatches } from "./reservation.batches.js";
import { countReservation, entryBase, reservationEntries } from "./reservation.entries.js";

export interface ReserveInput {
  organizationId: string;
  amount: number;
  operation: CreditOperation;
  resourceId: string;
  idempotencyKey: string;
  ttlSeconds?: number;
}

/**
 * Reservations: credits are held when an AI operation is requested, captured when it completes
 * and released when it fails, is cancelled or its hold runs out.
 */
export class ReservationService {
  private readonly batches: ReservationBatches;

  constructor(private readonly deps: CreditsDeps) {
    this.batches = new ReservationBatches(deps);
  }

  /**
   * Holds `amount` credits: the period's allowance first, then packs, oldest first. Under the
   * account's row lock, so concurrent reservations never take more than there is; together
   * with the reservations that arrive meanwhile (see reservation.batches.ts). Not enough
   * credits is 402 with nothing taken. The same idempotency key again returns the first
   * reservation and takes nothing.
   */
  async reserve(
    input: ReserveInput,
  ): Promise<{ reservation: ReservationRecord; created: boolean }> {
    const now = this.deps.clock();
    const outcome = await this.batches.reserve({
      organizationId: input.organizationId,
      idempotencyKey: input.idempotencyKey,
      amount: input.amount,
      operation: input.operation,
      resourceId: input.resourceId,
      createdAt: now,
      expiresAt: new Date(
        now.getTime() + (input.ttlSeconds ?? this.deps.reservationTtlSeconds) * 1000,
      ),
      today: dayOf(now),
    });
    if (outcome.error) throw outcome.error;
    return outcome;
  }

  /** Makes a reservation final: the work completed. Capturing twice is fine. */
  async capture(organizationId: string, reservationId: string): Promise<ReservationRecord> {
    const now = this.deps.clock();
    return this.deps.store.transaction(async (tx) => {
      const reservation = await tx.reservations.lock(organizationId, reservationId);
      if (!reservation) throw new AppError("NOT_FOUND", "Reservation not found");
      if (reservation.status === "captured") return reservation;
      if (reservation.status !== "pending") {
        throw new AppError("CONFLICT", `The reservation was already ${reservation.status}`);
      }
      const captured = await tx.reservations.finish(organizationId, reservationId, "captured", now);
      await tx.ledger.append([
        {
          ...entryBase(reservation, now),
          kind: "capture",
          amount: reservation.amount,
          balanceChange: 0,
          bucket: null,
        },
      ]);
      countReservation("captured");
      return captured;
    });
  }

  /** Gives the credits back: the work failed or was cancelled. Releasing twice is fine. */
  async release(organizationId: string, reservationId: string): Promise<ReservationRecord> {
    return this.giveBack(organizationId, reservationId, "released");
  }

  /** Releases every pending reservation whose hold ran out; returns how many. */
  async expireOverdue(limit = 500): Promise<number> {
    const now = this.deps.clock();
    const overdue = await this.deps.store.read.reservations.overdue(now, limit);
    for (const { organizationId, id } of overdue) {
      await this.giveBack(organizationId, id, "expired");
    }
    return overdue.length;
  }

  private async giveBack(
    organizationId: string,
    reservationId: string,
    outcome: "released" | "expired",
  ): Promise<ReservationRecord> {
    const now = this.deps.clock();
    return this.deps.store.transaction(async (tx) => {
      // The account first, then the reservation: the same lock order as reserving.
      const locked = await tx.accounts.lock(organizationId);
      if (!locked) throw new AppError("NOT_FOUND", "Reservation not found");
      const account = await rollOver(tx, locked, now);
      const reservation = await tx.reservations.lock(organizationId, reservationId);
      if (!reservation) throw new AppError("NOT_FOUND", "Reservation not found");
      if (reservation.status === "released" || reservation.status === "expired") {
        return reservation;
      }
      if (reservation.status === "captured") {
        throw new AppError("CONFLICT", "The reservation was already captured");
      }
      if (outcome === "expired" && reservation.expiresAt > now) return reservation;
      await returnCredits(tx, account, reservation, outcome, now);
      countReservation(outcome);
      return tx.reservations.finish(organizationId, reservationId, outcome, now);
    });
  }
}

/**
 * Puts a reservation's credits back where they came from. Allowance of a period that has ended
 * since, and pack credits of a pack that has expired since, go back and expire at once.
 */
async function returnCredits(
  tx: Repositories,
  account: Account,
  reservation: ReservationRecord,
  outcome: "released" | "expired",
  now: Date,
): Promise<void> {
  const entries = reservationEntries(reservation, "release", 1, now, { reason: outcome });
  const { allowance, packs } = reservation.allocation;
  if (allowance > 0) {
    if (reservation.periodStart === account.period.start) {
      await tx.accounts.update(account.organizationId, {
        allowanceBalance: account.allowanceBalance + allowance,
      });
    } else {
      entries.push({
        ...entryBase(reservation, now),
        kind: "expire",
        amount: allowance,
        balanceChange: -allowance,
        bucket: "allowance",
        periodStart: reservation.periodStart,
        metadata: { reason: "period_ended" },
      });
    }
  }
  for (const part of packs) {
    const pack = await tx.packs.find(account.organizationId, part.packId);
    if (pack && pack.expiresAt > now) {
      await tx.packs.adjust(account.organizationId, part.packId, part.amount);
    } else {
      entries.push({
        ...entryBase(reservation, now),
        kind: "expire",
        amount: part.amount,
        balanceChange: -part.amount,
        bucket: "pack",
        packId: part.packId,
        metadata: { reason: "pack_expired" },
      });
    }
  }
  await tx.ledger.append(entries);
}
