import {
  envelope,
  idSchema,
  listEnvelope,
  named,
  operations,
  timestamp,
  type OperationDoc,
} from "@clment/openapi";
import { z } from "zod";
import { ledgerQuery, packBody, planBody } from "./routes/billing.routes.js";

const balance = named(
  "CreditBalance",
  z.object({ total: z.number().int(), allowance: z.number().int(), packs: z.number().int() }),
);
const period = z.object({ start: z.string(), end: z.string() });

const creditPack = named(
  "CreditPack",
  z.object({
    id: idSchema,
    size: z.number().int(),
    remaining: z.number().int(),
    purchasedAt: timestamp,
    expiresAt: timestamp,
  }),
);

const billing = named(
  "Billing",
  z.object({
    plan: z.string(),
    monthlyAllowance: z.number().int(),
    period,
    allowance: z.object({ granted: z.number().int(), remaining: z.number().int() }),
    packs: z.array(creditPack),
    balance,
    availablePlans: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          monthlyAllowance: z.number().int(),
        }),
      )
      .describe("The plans `PUT /v1/settings/billing/plan` accepts, with their monthly credits."),
    packSizes: z
      .array(z.number().int())
      .describe("The sizes `POST /v1/settings/billing/credit-packs` accepts."),
    packValidityMonths: z.number().int().describe("How long a purchased pack's credits last."),
  }),
);

const ledgerEntry = named(
  "LedgerEntry",
  z.object({
    id: idSchema,
    kind: z.string(),
    amount: z.number().int(),
    balanceChange: z.number().int(),
    bucket: z.enum(["allowance", "pack"]).nullable(),
    packId: idSchema.nullable(),
    periodStart: z.string().nullable(),
    reservationId: idSchema.nullable(),
    operation: z.string().nullable(),
    resourceId: z.string().nullable(),
    actor: z.string().nullable(),
    metadata: z.unknown(),
    createdAt: timestamp,
  }),
);

const settings = { tag: "Billing", access: "settings" } as const;

/** Every public route of the credits service, with the schemas it validates with. */
export function creditsOperations(): OperationDoc[] {
  return operations([
    {
      tag: "Credits",
      access: "authenticated",
      method: "get",
      path: "/v1/credits",
      operationId: "getCredits",
      summary: "The credit balance, the current period and the price of each AI operation",
      responses: [
        {
          status: 200,
          description: "Balance and pricing",
          schema: envelope({
            balance,
            period,
            pricing: z.object({
              review: z.number().int(),
              redline: z.number().int(),
              conversion: z.number().int(),
            }),
            plan: z.string(),
          }),
        },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/billing",
      operationId: "getBilling",
      summary: "Plan, period, allowance, packs and balance",
      responses: [{ status: 200, description: "Billing", schema: envelope({ billing }) }],
    },
    {
      ...settings,
      method: "put",
      path: "/v1/settings/billing/plan",
      operationId: "changePlan",
      summary: "Change the plan",
      body: planBody,
      responses: [{ status: 200, description: "Billing", schema: envelope({ billing }) }],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/billing/credit-packs",
      operationId: "purchaseCreditPack",
      summary: "Buy a credit pack",
      body: packBody,
      responses: [
        {
          status: 201,
          description: "The pack and the new balance",
          schema: envelope({ creditPack, balance }),
        },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/billing/ledger",
      operationId: "listLedger",
      summary: "The credit ledger",
      query: ledgerQuery,
      responses: [
        {
          status: 200,
          description: "Ledger entries",
          schema: listEnvelope("entries", ledgerEntry),
        },
      ],
    },
  ]);
}
