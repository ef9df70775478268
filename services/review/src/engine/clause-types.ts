import { z } from "zod";

/**
 * The clause-type catalogue: the kinds of clause a playbook rule can be about, each with the
 * typed parameters a rule may set. The ids are part of the public API (API.md) and stable; more
 * types may be added.
 */
export const CLAUSE_TYPE_IDS = [
  "limitation_of_liability",
  "indemnification",
  "termination_for_convenience",
  "auto_renewal",
  "governing_law",
  "confidentiality",
  "payment_terms",
  "data_protection",
  "assignment",
  "non_solicitation",
  "warranty",
  "ip_ownership",
] as const;

export type ClauseTypeId = (typeof CLAUSE_TYPE_IDS)[number];
export const ClauseTypeId = z.enum(CLAUSE_TYPE_IDS);

const days = z.number().int().min(0).max(3650);
const months = z.number().min(0).max(1200);
const years = z.number().min(0).max(100);
const phrases = z.array(z.string().trim().min(1).max(200)).max(50);

/** Each type's parameters; `.strict()` so an unknown parameter is a validation error. */
export const CLAUSE_PARAMETER_SCHEMAS = {
  limitation_of_liability: z
    .object({
      maxCapMonths: months
        .optional()
        .describe("The liability cap may be at most this many months of fees."),
      allowedCarveOuts: phrases
        .optional()
        .describe("Exclusions from the cap that are acceptable, e.g. 'gross negligence'."),
    })
    .strict(),
  indemnification: z
    .object({
      mutualRequired: z.boolean().optional().describe("Both parties must indemnify each other."),
    })
    .strict(),
  termination_for_convenience: z
    .object({
      allowed: z
        .boolean()
        .optional()
        .describe("Whether a right to terminate without cause is acceptable."),
      minNoticeDays: days
        .optional()
        .describe("Termination for convenience needs at least this many days' notice."),
    })
    .strict(),
  auto_renewal: z
    .object({
      allowed: z.boolean().optional().describe("Whether automatic renewal is acceptable."),
      minOptOutNoticeDays: days
        .optional()
        .describe("The opt-out notice before a renewal must be at least this many days."),
    })
    .strict(),
  governing_law: z
    .object({
      allowedJurisdictions: phrases
        .min(1)
        .describe("Jurisdictions whose law may govern, e.g. 'New York', 'England and Wales'."),
    })
    .strict(),
  confidentiality: z
    .object({
      minTermYears: years
        .optional()
        .describe("Confidentiality must last at least this many years after the agreement."),
    })
    .strict(),
  payment_terms: z
    .object({
      maxNetDays: days.optional().describe("Invoices are payable within at most this many days."),
    })
    .strict(),
  data_protection: z
    .object({
      dpaRequired: z
        .boolean()
        .optional()
        .describe("A data processing agreement (DPA) must be part of the contract."),
    })
    .strict(),
  assignment: z
    .object({
      consentRequired: z
        .boolean()
        .optional()
        .describe("Assignment needs the other party's prior written consent."),
    })
    .strict(),
  non_solicitation: z
    .object({
      maxTermMonths: months
        .optional()
        .describe("A non-solicitation covenant may last at most this many months."),
    })
    .strict(),
  warranty: z
    .object({
      minWarrantyDays: days
        .optional()
        .describe("The performance warranty must last at least this many days."),
    })
    .strict(),
  ip_ownership: z
    .object({
      customerOwnsDeliverables: z
        .boolean()
        .optional()
        .describe("The customer must own the deliverables made for it."),
    })
    .strict(),
} satisfies Record<ClauseTypeId, z.ZodType>;

export type ClauseParameters = {
  [T in ClauseTypeId]: z.output<(typeof CLAUSE_PARAMETER_SCHEMAS)[T]>;
};

export interface ClauseTypeInfo {
  id: ClauseTypeId;
  title: string;
  description: string;
}

export const CLAUSE_TYPES: readonly ClauseTypeInfo[] = [
  {
    id: "limitation_of_liability",
    title: "Limitation of liability",
    description:
      "Caps each party's liability (usually as months of fees) and lists what the cap does not cover.",
  },
  {
    id: "indemnification",
    title: "Indemnification",
    description: "Who defends and holds the other harmless against third-party claims.",
  },
  {
    id: "termination_for_convenience",
    title: "Termination for convenience",
    description: "A right to end the agreement without cause, and the notice it needs.",
  },
  {
    id: "auto_renewal",
    title: "Automatic renewal",
    description:
      "Whether the term renews by itself, and how long before renewal a party can opt out.",
  },
  {
    id: "governing_law",
    title: "Governing law",
    description: "Which jurisdiction's law governs the agreement.",
  },
  {
    id: "confidentiality",
    title: "Confidentiality",
    description: "Protection of confidential information and how long it lasts.",
  },
  {
    id: "payment_terms",
    title: "Payment terms",
    description: "When invoices are due (net days), late fees and the like.",
  },
  {
    id: "data_protection",
    title: "Data protection",
    description: "Processing of personal data, and whether a data processing agreement applies.",
  },
  {
    id: "assignment",
    title: "Assignment",
    description: "Whether a party may transfer the agreement, and whether it needs consent.",
  },
  {
    id: "non_solicitation",
    title: "Non-solicitation",
    description: "A promise not to hire or solicit the other party's staff, and for how long.",
  },
  {
    id: "warranty",
    title: "Warranty",
    description: "Performance warranties, their period and remedies.",
  },
  {
    id: "ip_ownership",
    title: "Intellectual property ownership",
    description:
      "Who owns the deliverables and other intellectual property made under the agreement.",
  },
];

/** The catalogue as served by `GET /v1/playbooks/clause-types`, parameters as JSON Schema. */
export function clauseTypeCatalogue() {
  return CLAUSE_TYPES.map((type) => ({
    id: type.id,
    title: type.title,
    description: type.description,
    parameters: z.toJSONSchema(CLAUSE_PARAMETER_SCHEMAS[type.id]),
  }));
}

export function isClauseTypeId(value: unknown): value is ClauseTypeId {
  return typeof value === "string" && (CLAUSE_TYPE_IDS as readonly string[]).includes(value);
}
