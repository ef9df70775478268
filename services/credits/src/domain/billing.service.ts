import { assertSettingsAccess, type Identity } from "@clment/auth";
import type { EventActor } from "@clment/queue";
import type { Account } from "../data/account.repository.js";
import type { LedgerEntry } from "../data/ledger.repository.js";
import type { CreditPack } from "../data/pack.repository.js";
import { balanceOf, lockAccount, type Balance } from "./account.service.js";
import type { CreditsDeps } from "./deps.js";
import { addMonths, dayOf, type Period } from "./period.js";
import {
  PACK_VALIDITY_MONTHS,
  PRICING,
  monthlyAllowance,
  type PackSize,
  type PlanId,
} from "./plans.js";

export interface CreditsOverview {
  plan: string;
  balance: Balance;
  period: Period;
  pricing: typeof PRICING;
}

export interface Billing {
  plan: string;
  monthlyAllowance: number;
  period: Period;
  allowance: { granted: number; remaining: number };
  packs: CreditPack[];
  balance: Balance;
}

/** Who did it, as the ledger records it. */
function actorOf(identity: Identity): string {
  return `${identity.principal.type}:${identity.principal.id}`;
}

/** The actor as events name them, for the organization's audit log in settings. */
function eventActor(identity: Identity): EventActor {
  return { type: identity.principal.type, id: identity.principal.id };
}

/**
 * What an organization sees of its credits (`GET /v1/credits`, any principal) and what its owners
 * and admins manage (plan, packs, ledger under `/v1/settings/billing`).
 */
export class BillingService {
  constructor(private readonly deps: CreditsDeps) {}

  /** Balance, period and prices: free to read for keys and every signed-in role. */
  async overview(identity: Identity): Promise<CreditsOverview> {
    const now = this.deps.clock();
    const account = await this.currentAccount(identity.organizationId, now);
    const packs = await this.deps.store.read.packs.usableTotal(identity.organizationId, now);
    return {
      plan: account.plan,
      balance: balanceOf(account, packs),
      period: account.period,
      pricing: PRICING,
    };
  }

  async billing(identity: Identity): Promise<Billing> {
    assertSettingsAccess(identity);
    const now = this.deps.clock();
    return this.billingOf(await this.currentAccount(identity.organizationId, now), now);
  }

  /**
   * Changes the plan at once. An upgrade grants the difference for the current period (never
   * more than the highest allowance of the period, so switching back and forth grants nothing
   * new); a downgrade keeps this period's credits and grants the smaller allowance from the
   * next period on.
   */
  async changePlan(identity: Identity, plan: PlanId): Promise<Billing> {
    assertSettingsAccess(identity);
    const now = this.deps.clock();
    const account = await this.deps.store.transaction(async (tx) => {
      const account = await lockAccount(tx, identity.organizationId, now);
      if (account.plan === plan) return account;
      const allowance = monthlyAllowance(plan);
      const topUp = Math.max(0, allowance - account.periodAllowance);
      const changed: Account = {
        ...account,
        plan,
        periodAllowance: account.periodAllowance + topUp,
        allowanceBalance: account.allowanceBalance + topUp,
      };
      await tx.accounts.update(account.organizationId, {
        plan,
        periodAllowance: changed.periodAllowance,
        allowanceBalance: changed.allowanceBalance,
      });
      await tx.ledger.append([
        {
          organizationId: account.organizationId,
          kind: "plan_change",
          amount: topUp,
          balanceChange: topUp,
          bucket: "allowance",
          periodStart: account.period.start,
          actor: actorOf(identity),
          metadata: { from: account.plan, to: plan },
          createdAt: now,
        },
      ]);
      await tx.events.record({
        type: "plan.changed",
        organizationId: account.organizationId,
        data: { plan, previousPlan: account.plan, actor: eventActor(identity) },
      });
      return changed;
    });
    return this.billingOf(account, now);
  }

  /**
   * Buys a credit pack, valid for 12 months. There is no payment provider in this deployment:
   * the purchase is recorded in the ledger and the credits are available at once.
   */
  async purchasePack(
    identity: Identity,
    size: PackSize,
  ): Promise<{ creditPack: CreditPack; balance: Balance }> {
    assertSettingsAccess(identity);
    const now = this.deps.clock();
    return this.deps.store.transaction(async (tx) => {
      const account = await lockAccount(tx, identity.organizationId, now);
      const creditPack = await tx.packs.create({
        organizationId: account.organizationId,
        size,
        purchasedBy: actorOf(identity),
        purchasedAt: now,
        expiresAt: addMonths(now, PACK_VALIDITY_MONTHS),
      });
      await tx.ledger.append([
        {
          organizationId: account.organizationId,
          kind: "pack_purchase",
          amount: size,
          balanceChange: size,
          bucket: "pack",
          packId: creditPack.id,
          actor: actorOf(identity),
          metadata: { size, payment: "recorded_without_provider" },
          createdAt: now,
        },
      ]);
      await tx.events.record({
        type: "credit_pack.purchased",
        organizationId: account.organizationId,
        data: {
          creditPack: {
            id: creditPack.id,
            size: creditPack.size,
            expiresAt: creditPack.expiresAt.toISOString(),
          },
          actor: eventActor(identity),
        },
      });
      const packs = await tx.packs.usableTotal(account.organizationId, now);
      return { creditPack, balance: balanceOf(account, packs) };
    });
  }

  async ledger(
    identity: Identity,
    options: { skip: number; take: number; descending: boolean },
  ): Promise<{ items: LedgerEntry[]; total: number }> {
    assertSettingsAccess(identity);
    const now = this.deps.clock();
    // Reading the ledger also brings the account to the current period, so it is complete.
    await this.currentAccount(identity.organizationId, now);
    return this.deps.store.read.ledger.list(identity.organizationId, options);
  }

  /** The account in the current period; opened or rolled over first when needed. */
  private async currentAccount(organizationId: string, now: Date): Promise<Account> {
    const account = await this.deps.store.read.accounts.find(organizationId);
    if (account && account.period.end > dayOf(now)) return account;
    return this.deps.store.transaction((tx) => lockAccount(tx, organizationId, now));
  }

  private async billingOf(account: Account, now: Date): Promise<Billing> {
    const packs = await this.deps.store.read.packs.unexpired(account.organizationId, now);
    const packTotal = packs.reduce((total, pack) => total + pack.remaining, 0);
    return {
      plan: account.plan,
      monthlyAllowance: monthlyAllowance(account.plan),
      period: account.period,
      allowance: { granted: account.periodAllowance, remaining: account.allowanceBalance },
      packs,
      balance: balanceOf(account, packTotal),
    };
  }
}
