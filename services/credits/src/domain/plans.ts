import type { CreditOperation } from "@clment/credits-client";

/** The plans an organization can be on, with the credits each grants every period. */
export const PLANS = {
  starter: { name: "Starter", monthlyAllowance: 100 },
  team: { name: "Team", monthlyAllowance: 1_000 },
  enterprise: { name: "Enterprise", monthlyAllowance: 10_000 },
} as const;

export type PlanId = keyof typeof PLANS;
export const PLAN_IDS = Object.keys(PLANS) as [PlanId, ...PlanId[]];
/** Where a new organization starts. */
export const DEFAULT_PLAN: PlanId = "starter";

export function monthlyAllowance(plan: string): number {
  return plan in PLANS ? PLANS[plan as PlanId].monthlyAllowance : 0;
}

/** Credits each AI operation costs (shown in `GET /v1/credits`). */
export const PRICING: Record<CreditOperation, number> = {
  review: 10,
  redline: 5,
  conversion: 1,
};

/** The credit pack sizes an admin can buy, and how long a pack lasts. */
export const PACK_SIZES = [100, 500, 2_000] as const;
export type PackSize = (typeof PACK_SIZES)[number];
export const PACK_VALIDITY_MONTHS = 12;

/** `credits.low` is emitted when the balance falls under this share of the monthly allowance. */
export const LOW_BALANCE_RATIO = 0.1;
