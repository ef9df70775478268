import { AppError } from "@clment/http";
import { metrics } from "@clment/runtime";
import type { CreditOperation } from "@clment/credits-client";
import type { Account } from "../data/account.repository.js";
import type { Repositories } from "../data/credits.store.js";
import type { NewLedgerEntry } from "../data/ledger.repository.js";
import type { CreditPack } from "../data/pack.repository.js";
import type { NewReservation, ReservationRecord } from "../data/reservation.repository.js";
import {
  lockAccount,
  lowBalanceCheckNeeded,
  notifyLowBalance,
  rollOver,
} from "./account.service.js";
import { allocate, type Allocation } from "./allocation.js";
import type { CreditsDeps } from "./deps.js";
import { GroupCommit } from "./group-commit.js";
import { dayOf } from "./period.js";

export interface ReserveInput {
  organizationId: string;
  amount: number;
  operation: CreditOperation;
  resourceId: string;
  idempotencyKey: string;
  ttlSeconds?: number;
}

/** A reservation for the allowance batches: the organization's, on the day `today` (UTC). */
type AllowanceRequest = NewReservation & { today: string };

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The reservation an idempotency key already made, if the request is the same one. */
function sameRequest(existing: ReservationRecord, input: ReserveInput): ReservationRecord {
  if (
    existing.amount !== input.amount ||
    existing.operation !== input.operation ||
    existing.resourceId !== input.resourceId
  ) {
    throw new AppError(
      "IDEMPOTENCY_KEY_REUSED",
      "This idempotency key already reserved credits for a different request",
    );
  }
  return existing;
}

/**
 * Reservations: credits are held when an AI operation is requested, captured when it completes
 * and released when it fails, is cancelled or its hold runs out.
 */
export class ReservationService {
  /**
   * Reservations the allowance covers, written per organization in batches (group commit):
   * what arrives while an organization's batch is being written goes in its next one.
   */
  private readonly allowanceBatches: GroupCommit<AllowanceRequest, ReservationRecord | undefined>;

  constructor(private readonly deps: CreditsDeps) {
    this.allowanceBatches = new GroupCommit({
      maxBatch: deps.reservationBatchSize,
      distinct: (request) => request.idempotencyKey,
      write: (_lane, requests) => this.reserveFromAllowance(requests),
    });
  }

  /**
   * Holds `amount` credits: the period's allowance first, then packs, oldest first. Under the
   * account's row lock, so concurrent reservations never take more than there is. Not enough
   * credits is 402 with nothing taken. The same idempotency key again returns the first
   * reservation and takes nothing.
   */
  async reserve(
    input: ReserveInput,
  ): Promise<{ reservation: ReservationRecord; created: boolean }> {
    const { store, clock } = this.deps;
    const organizationId = input.organizationId;
    const now = clock();
    const request = {
      organizationId,
      idempotencyKey: input.idempotencyKey,
      amount: input.amount,
      operation: input.operation,
      resourceId: input.resourceId,
      createdAt: now,
      expiresAt: new Date(
        now.getTime() + (input.ttlSeconds ?? this.deps.reservationTtlSeconds) * 1000,
      ),
    };

    // Most reservations fit in the period's allowance: they are taken together with the other
    // reservations of the organization that arrive meanwhile, in one statement.
    const today = dayOf(now);
    const quick = await this.allowanceBatches.submit(`${organizationId} ${today}`, {
      ...request,
      today,
    });
    if (quick) {
      countReservation("reserved");
      return { reservation: quick, created: true };
    }

    // A retry, a new account, a new period, or credits from packs: the general path.
    const existing = await store.read.reservations.findByKey(organizationId, input.idempotencyKey);
    if (existing) return { reservation: sameRequest(existing, input), created: false };
    return store.transaction(async (tx) => {
      const account = await lockAccount(tx, organizationId, now);
      let packs: CreditPack[] | undefined;
      const usablePacks = async () => (packs ??= await tx.packs.usable(organizationId, now));
      const allocation: Allocation | null =
        input.amount <= account.allowanceBalance
          ? { allowance: input.amount, packs: [] }
          : allocate(input.amount, account.allowanceBalance, await usablePacks());
      if (!allocation) {
        countReservation("insufficient");
        throw new AppError("INSUFFICIENT_CREDITS");
      }

      const reservation = await tx.reservations.createIfKeyFree({
        ...request,
        periodStart: account.period.start,
        allocation,
      });
      if (!reservation) {
        // A request with the same key committed while this one waited for the lock.
        const winner = await tx.reservations.findByKey(organizationId, input.idempotencyKey);
        if (!winner) throw new Error("reservation key taken but not found");
        return { reservation: sameRequest(winner, input), created: false };
      }

      const after: Account = {
        ...account,
        allowanceBalance: account.allowanceBalance - allocation.allowance,
      };
      if (allocation.allowance > 0) {
        await tx.accounts.update(organizationId, { allowanceBalance: after.allowanceBalance });
      }
      for (const part of allocation.packs) {
        await tx.packs.adjust(organizationId, part.packId, -part.amount);
      }
      await tx.ledger.append(reservationEntries(reservation, "reserve", -1, now));
      await notifyLowBalance(tx, after, async () =>
        packs
          ? sum(packs.map((p) => p.remaining)) - sum(allocation.packs.map((p) => p.amount))
          : tx.packs.usableTotal(organizationId, now),
      );
      countReservation("reserved");
      return { reservation, created: true };
    });
  }

  /**
   * One batch of one organization's reservations (same organization, same day, distinct keys)
   * from the period's allowance, in one statement. Returns, per request, its reservation, or
   * undefined for those the general path settles. A batch that leaves the balance low records
   * the events due under the account lock, before anyone is answered.
   */
  private async reserveFromAllowance(
    requests: AllowanceRequest[],
  ): Promise<(ReservationRecord | undefined)[]> {
    const { store, clock } = this.deps;
    const { organizationId, today } = requests[0]!;
    const { reserved, account } = await store.holds.reserveFromAllowance(
      organizationId,
      today,
      requests,
    );
    if (account && lowBalanceCheckNeeded(account)) {
      const now = clock();
      await store.transaction(async (tx) => {
        const locked = await lockAccount(tx, organizationId, now);
        await notifyLowBalance(tx, locked, () => tx.packs.usableTotal(organizationId, now));
      });
    }
    return requests.map((request) => reserved.get(request.idempotencyKey));
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

/** Reservation outcomes for Prometheus (`clment_credit_reservations_total`). */
function countReservation(outcome: "reserved" | "insufficient" | "captured" | ReleaseOutcome) {
  metrics.creditReservations.inc({ service: "credits", outcome });
}

type ReleaseOutcome = "released" | "expired";

function entryBase(reservation: ReservationRecord, now: Date) {
  return {
    organizationId: reservation.organizationId,
    reservationId: reservation.id,
    operation: reservation.operation,
    resourceId: reservation.resourceId,
    createdAt: now,
  };
}

/** One ledger entry per bucket the reservation drew from, with `sign` on the balance. */
function reservationEntries(
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
