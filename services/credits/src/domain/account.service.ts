import type { Account } from "../data/account.repository.js";
import type { Repositories } from "../data/credits.store.js";
import { anchorDayOf, dayOf, periodContaining, periodView } from "./period.js";
import { DEFAULT_PLAN, LOW_BALANCE_RATIO, monthlyAllowance } from "./plans.js";

/**
 * The account rules every use case shares. Each function runs inside the caller's transaction
 * and, where it changes balances, expects the account's row lock to be held (`lockAccount`).
 */

/**
 * Opens the organization's account on the default plan, its periods anchored on the signup day,
 * and grants the current period's allowance. Does nothing when the account exists.
 */
export async function openAccount(
  tx: Repositories,
  organizationId: string,
  signupAt: Date,
  now: Date,
): Promise<boolean> {
  const anchorDay = anchorDayOf(signupAt);
  const period = periodContaining(anchorDay, dayOf(now));
  const allowance = monthlyAllowance(DEFAULT_PLAN);
  const created = await tx.accounts.createIfMissing({
    organizationId,
    plan: DEFAULT_PLAN,
    anchorDay,
    period,
    periodAllowance: allowance,
    allowanceBalance: allowance,
    lowNotifiedPeriod: null,
    exhaustedNotifiedPeriod: null,
  });
  if (created) {
    await tx.ledger.append([
      {
        organizationId,
        kind: "grant",
        amount: allowance,
        balanceChange: allowance,
        bucket: "allowance",
        periodStart: period.start,
        metadata: { plan: DEFAULT_PLAN },
        createdAt: now,
      },
    ]);
  }
  return created;
}

/**
 * Locks the organization's account for the rest of the transaction and brings it to the period
 * of `now`. An organization whose `organization.created` event has not arrived yet gets its
 * account now, anchored today (the event then finds it and changes nothing).
 */
export async function lockAccount(
  tx: Repositories,
  organizationId: string,
  now: Date,
): Promise<Account> {
  let account = await tx.accounts.lock(organizationId);
  if (!account) {
    await openAccount(tx, organizationId, now, now);
    account = await tx.accounts.lock(organizationId);
    if (!account) throw new Error(`credit account ${organizationId} could not be opened`);
  }
  return rollOver(tx, account, now);
}

/**
 * Moves a locked account into the period that contains `now`: what is left of the old period's
 * allowance expires (it does not carry over) and the new period's allowance is granted, once.
 * A rollover that runs late skips the periods in between (nothing could be used in them); one
 * that runs twice finds nothing to do. The ledger's unique grant per (organization, period) is
 * the last line of defence.
 */
export async function rollOver(tx: Repositories, account: Account, now: Date): Promise<Account> {
  const period = periodContaining(account.anchorDay, dayOf(now));
  if (period.start <= account.period.start) return account;
  const allowance = monthlyAllowance(account.plan);
  await tx.ledger.append([
    ...(account.allowanceBalance > 0
      ? [
          {
            organizationId: account.organizationId,
            kind: "expire" as const,
            amount: account.allowanceBalance,
            balanceChange: -account.allowanceBalance,
            bucket: "allowance" as const,
            periodStart: account.period.start,
            metadata: { reason: "period_ended" },
            createdAt: now,
          },
        ]
      : []),
    {
      organizationId: account.organizationId,
      kind: "grant",
      amount: allowance,
      balanceChange: allowance,
      bucket: "allowance",
      periodStart: period.start,
      metadata: { plan: account.plan },
      createdAt: now,
    },
  ]);
  const next: Account = {
    ...account,
    period,
    periodAllowance: allowance,
    allowanceBalance: allowance,
  };
  await tx.accounts.update(account.organizationId, {
    period,
    periodAllowance: allowance,
    allowanceBalance: allowance,
  });
  return next;
}

/** Expires what is left of the account's packs that expired by `now`. Needs the lock. */
export async function expirePacks(tx: Repositories, account: Account, now: Date): Promise<number> {
  const expired = await tx.packs.expiredWithCredits(account.organizationId, now);
  for (const pack of expired) {
    await tx.packs.adjust(account.organizationId, pack.id, -pack.remaining);
  }
  await tx.ledger.append(
    expired.map((pack) => ({
      organizationId: account.organizationId,
      kind: "expire" as const,
      amount: pack.remaining,
      balanceChange: -pack.remaining,
      bucket: "pack" as const,
      packId: pack.id,
      metadata: { reason: "pack_expired" },
      createdAt: now,
    })),
  );
  return expired.length;
}

export interface Balance {
  total: number;
  allowance: number;
  packs: number;
}

export function balanceOf(account: Account, packs: number): Balance {
  return { total: account.allowanceBalance + packs, allowance: account.allowanceBalance, packs };
}

/**
 * Whether taking credits may have to emit `credits.low` or `credits.exhausted`: an event of the
 * period is still due and the allowance alone is no longer above the threshold (the packs then
 * decide). Cheap: needs no query.
 */
export function lowBalanceCheckNeeded(
  account: Pick<
    Account,
    "plan" | "period" | "allowanceBalance" | "lowNotifiedPeriod" | "exhaustedNotifiedPeriod"
  >,
): boolean {
  const period = account.period.start;
  if (account.lowNotifiedPeriod === period && account.exhaustedNotifiedPeriod === period) {
    return false;
  }
  const threshold = monthlyAllowance(account.plan) * LOW_BALANCE_RATIO;
  return account.allowanceBalance < threshold || account.allowanceBalance === 0;
}

/**
 * After credits were taken: `credits.low` when the balance fell under 10 % of the monthly
 * allowance, `credits.exhausted` when it reached zero, each at most once per period. Needs the
 * lock; `packs` is what the packs hold now, read only when it can matter.
 */
export async function notifyLowBalance(
  tx: Repositories,
  account: Account,
  packs: () => Promise<number>,
): Promise<void> {
  if (!lowBalanceCheckNeeded(account)) return;
  const period = account.period.start;
  const allowance = monthlyAllowance(account.plan);
  const threshold = allowance * LOW_BALANCE_RATIO;
  const balance = balanceOf(account, await packs());
  const low = account.lowNotifiedPeriod !== period && balance.total < threshold;
  const exhausted = account.exhaustedNotifiedPeriod !== period && balance.total === 0;
  if (!low && !exhausted) return;
  const data = {
    balance,
    plan: account.plan,
    monthlyAllowance: allowance,
    period: periodView(account.period),
  };
  if (low) {
    await tx.events.record({ type: "credits.low", organizationId: account.organizationId, data });
  }
  if (exhausted) {
    await tx.events.record({
      type: "credits.exhausted",
      organizationId: account.organizationId,
      data,
    });
  }
  await tx.accounts.update(account.organizationId, {
    ...(low && { lowNotifiedPeriod: period }),
    ...(exhausted && { exhaustedNotifiedPeriod: period }),
  });
}
