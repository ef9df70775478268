import { AppError } from "@clment/http";
import type { Account } from "../data/account.repository.js";
import type { CreditPack } from "../data/pack.repository.js";
import {
  batchKey,
  type NewReservation,
  type ReservationRecord,
} from "../data/reservation.repository.js";
import { lockAccount, lowBalanceCheckNeeded, notifyLowBalance } from "./account.service.js";
import { allocate, type Allocation } from "./allocation.js";
import type { CreditsDeps } from "./deps.js";
import { GroupCommit } from "./group-commit.js";
import { countReservation, reservationEntries } from "./reservation.entries.js";

/**
 * Reserving in batches (group commit). Each request goes first to the allowance batches: one
 * statement for everything the periods' allowances cover. What they do not settle (allowance
 * short, so packs or a refusal; a new period; no account yet; a key already used) goes to its
 * organization's batches under the account lock. Each request gets its own reservation and
 * its own answer, and is answered only once its batch has committed.
 */

/** A reservation request, made on the day `today` (UTC) of its `createdAt`. */
export type ReserveRequest = NewReservation & { today: string };

/** The answer to one request: its reservation (new or the one its key made), or its error. */
export type ReserveOutcome =
  { reservation: ReservationRecord; created: boolean; error?: undefined } | { error: AppError };

/** Allowance batches are written in this many lanes at once (organizations spread over them). */
const ALLOWANCE_LANES = 4;

/** The lane of an organization's allowance batches (the last two hex digits of its id). */
function laneOf(organizationId: string): number {
  return parseInt(organizationId.slice(-2), 16) % ALLOWANCE_LANES;
}

/** The answer for a request whose idempotency key already made `existing`. */
function replay(existing: ReservationRecord, request: ReserveRequest): ReserveOutcome {
  if (
    existing.amount !== request.amount ||
    existing.operation !== request.operation ||
    existing.resourceId !== request.resourceId
  ) {
    return {
      error: new AppError(
        "IDEMPOTENCY_KEY_REUSED",
        "This idempotency key already reserved credits for a different request",
      ),
    };
  }
  return { reservation: existing, created: false };
}

export class ReservationBatches {
  private readonly allowance: GroupCommit<ReserveRequest, ReservationRecord | undefined>;
  private readonly locked: GroupCommit<ReserveRequest, ReserveOutcome>;

  constructor(private readonly deps: CreditsDeps) {
    const distinct = (r: ReserveRequest) => batchKey(r.organizationId, r.idempotencyKey);
    this.allowance = new GroupCommit({
      maxBatch: deps.reservationBatchSize,
      distinct,
      write: (_lane, requests) => this.fromAllowance(requests),
    });
    this.locked = new GroupCommit({
      maxBatch: deps.reservationBatchSize,
      distinct,
      write: (_lane, requests) => this.underLock(requests),
    });
  }

  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    const { organizationId, today } = request;
    const quick = await this.allowance.submit(`${laneOf(organizationId)} ${today}`, request);
    if (quick) return { reservation: quick, created: true };
    return this.locked.submit(`${organizationId} ${today}`, request);
  }

  /**
   * One statement for a batch of requests of the same day from the lane's organizations: each
   * organization's longest run of requests its allowance covers. Returns, per request, its
   * reservation, or undefined for those the locked batches settle. Organizations the batch
   * left low on credits get the events due, under their lock, before anyone is answered (if
   * that fails, the reservations still stand and the next one tries the events again).
   */
  private async fromAllowance(
    requests: ReserveRequest[],
  ): Promise<(ReservationRecord | undefined)[]> {
    const { store } = this.deps;
    const { reserved, accounts } = await store.holds.reserveFromAllowance(
      requests[0]!.today,
      requests,
    );
    countReservation("reserved", reserved.size);
    for (const { organizationId } of accounts.filter(lowBalanceCheckNeeded)) {
      const now = this.deps.clock();
      // The reservations are committed: a failure here must not answer them as failed (the
      // client would retry and hold credits twice). The account stays "not notified", so the
      // next reservation of the organization tries the events again.
      await store
        .transaction(async (tx) => {
          const account = await lockAccount(tx, organizationId, now);
          await notifyLowBalance(tx, account, () => tx.packs.usableTotal(organizationId, now));
        })
        .catch((error: unknown) =>
          this.deps.logger.warn(
            { err: error, organizationId },
            "could not record the low-balance events; the next reservation retries",
          ),
        );
    }
    return requests.map((r) => reserved.get(batchKey(r.organizationId, r.idempotencyKey)));
  }

  /**
   * One transaction for a batch of one organization's requests, under its account lock (which
   * opens the account or starts its new period when due): a key already used answers with its
   * reservation; the others, in order, take the allowance first, then packs, oldest first, or
   * are refused on their own (402) when what is left does not cover them.
   */
  private async underLock(requests: ReserveRequest[]): Promise<ReserveOutcome[]> {
    const { organizationId, createdAt: now } = requests[0]!;
    const answers = await this.deps.store.transaction(async (tx) => {
      const account = await lockAccount(tx, organizationId, now);
      const existing = await tx.reservations.findByKeys(
        organizationId,
        requests.map((r) => r.idempotencyKey),
      );
      let packs: CreditPack[] | undefined;
      let allowance = account.allowanceBalance;
      const outcomes: (ReserveOutcome | Allocation)[] = [];
      for (const request of requests) {
        const earlier = existing.get(request.idempotencyKey);
        if (earlier) {
          outcomes.push(replay(earlier, request));
          continue;
        }
        const allocation =
          request.amount <= allowance
            ? { allowance: request.amount, packs: [] }
            : allocate(
                request.amount,
                allowance,
                (packs ??= await tx.packs.usable(organizationId, now)),
              );
        if (!allocation) {
          outcomes.push({ error: new AppError("INSUFFICIENT_CREDITS") });
          continue;
        }
        allowance -= allocation.allowance;
        for (const part of allocation.packs) {
          packs!.find((p) => p.id === part.packId)!.remaining -= part.amount;
        }
        outcomes.push(allocation);
      }

      const made = await tx.reservations.create(
        requests.flatMap((request, i) => {
          const outcome = outcomes[i]!;
          return "allowance" in outcome
            ? [{ ...request, periodStart: account.period.start, allocation: outcome }]
            : [];
        }),
      );
      const after: Account = { ...account, allowanceBalance: allowance };
      if (allowance !== account.allowanceBalance) {
        await tx.accounts.update(organizationId, { allowanceBalance: allowance });
      }
      const taken = new Map<string, number>();
      for (const part of made.flatMap((r) => r.allocation.packs)) {
        taken.set(part.packId, (taken.get(part.packId) ?? 0) + part.amount);
      }
      for (const [packId, amount] of taken) {
        await tx.packs.adjust(organizationId, packId, -amount);
      }
      await tx.ledger.append(made.flatMap((r) => reservationEntries(r, "reserve", -1, now)));
      await notifyLowBalance(tx, after, async () =>
        packs
          ? packs.reduce((total, p) => total + p.remaining, 0)
          : tx.packs.usableTotal(organizationId, now),
      );

      const reservations = made.values();
      return outcomes.map((outcome): ReserveOutcome =>
        "allowance" in outcome
          ? { reservation: reservations.next().value!, created: true }
          : outcome,
      );
    });
    countReservation("reserved", answers.filter((a) => !a.error && a.created).length);
    countReservation(
      "insufficient",
      answers.filter((a) => a.error?.code === "INSUFFICIENT_CREDITS").length,
    );
    return answers;
  }
}
