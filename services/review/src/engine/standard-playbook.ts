import { randomUUID } from "node:crypto";
import type { ClauseTypeId } from "./clause-types.js";
import type { PlaybookRule } from "./playbook.rules.js";

export const STANDARD_PLAYBOOK_NAME = "Standard commercial playbook";
export const STANDARD_PLAYBOOK_DESCRIPTION =
  "Clment's built-in playbook for buying services: a capped, mutual risk allocation, customer-owned deliverables, " +
  "reasonable notice periods and payment terms. Read-only: copy it to make your own.";

type StandardRule = Omit<PlaybookRule, "id"> & { clauseType: ClauseTypeId };

/** The rules every organization's built-in playbook starts with, one per clause type. */
export const STANDARD_RULES: readonly StandardRule[] = [
  {
    title: "Liability is capped at 12 months of fees",
    clauseType: "limitation_of_liability",
    requirement: "required",
    severity: "high",
    parameters: {
      maxCapMonths: 12,
      allowedCarveOuts: [
        "gross negligence",
        "willful misconduct",
        "fraud",
        "death or personal injury",
        "breach of confidentiality",
        "indemnification obligations",
      ],
    },
    preferredText:
      "Except for liability arising from gross negligence, willful misconduct, fraud, breach of confidentiality or a party's indemnification obligations, each party's total aggregate liability arising out of or relating to this Agreement shall not exceed the fees paid or payable by Customer in the twelve (12) months preceding the event giving rise to the claim.",
    fallbackText:
      "Each party's total aggregate liability arising out of or relating to this Agreement shall not exceed the fees paid or payable by Customer in the twelve (12) months preceding the claim.",
  },
  {
    title: "Indemnities are mutual",
    clauseType: "indemnification",
    requirement: "required",
    severity: "high",
    parameters: { mutualRequired: true },
    preferredText:
      "Each party shall defend, indemnify and hold harmless the other party and its officers, directors and employees from and against all third-party claims, losses and expenses arising from the indemnifying party's breach of this Agreement, negligence or wilful misconduct.",
    fallbackText: null,
  },
  {
    title: "Termination for convenience on at least 30 days' notice",
    clauseType: "termination_for_convenience",
    requirement: "required",
    severity: "medium",
    parameters: { allowed: true, minNoticeDays: 30 },
    preferredText:
      "Either party may terminate this Agreement for convenience upon thirty (30) days' prior written notice to the other party.",
    fallbackText:
      "Customer may terminate this Agreement for convenience upon sixty (60) days' prior written notice to Provider.",
  },
  {
    title: "Renewal gives at least 30 days to opt out",
    clauseType: "auto_renewal",
    requirement: "required",
    severity: "low",
    parameters: { allowed: true, minOptOutNoticeDays: 30 },
    preferredText:
      "This Agreement shall renew for successive one (1) year terms unless either party gives written notice of non-renewal at least thirty (30) days before the end of the then-current term.",
    fallbackText: null,
  },
  {
    title: "Governed by an accepted jurisdiction",
    clauseType: "governing_law",
    requirement: "required",
    severity: "medium",
    parameters: {
      allowedJurisdictions: ["New York", "Delaware", "California", "England and Wales"],
    },
    preferredText:
      "This Agreement shall be governed by and construed in accordance with the laws of the State of New York, without regard to its conflict of laws principles.",
    fallbackText:
      "This Agreement shall be governed by and construed in accordance with the laws of the State of Delaware.",
  },
  {
    title: "Confidentiality lasts at least 3 years",
    clauseType: "confidentiality",
    requirement: "required",
    severity: "high",
    parameters: { minTermYears: 3 },
    preferredText:
      "Each party shall keep the other party's Confidential Information in confidence, use it only to perform this Agreement, and not disclose it to any third party; these obligations survive termination of this Agreement for five (5) years.",
    fallbackText:
      "The obligations of confidentiality in this Agreement survive its termination for three (3) years.",
  },
  {
    title: "Payment within at most 45 days",
    clauseType: "payment_terms",
    requirement: "required",
    severity: "medium",
    parameters: { maxNetDays: 45 },
    preferredText:
      "Customer shall pay each undisputed invoice within thirty (30) days of the invoice date.",
    fallbackText:
      "Customer shall pay each undisputed invoice within forty-five (45) days of the invoice date.",
  },
  {
    title: "A data processing agreement applies",
    clauseType: "data_protection",
    requirement: "required",
    severity: "high",
    parameters: { dpaRequired: true },
    preferredText:
      "Each party shall comply with applicable data protection laws. To the extent Provider processes personal data on behalf of Customer, the parties shall enter into and comply with a data processing agreement that meets the requirements of Article 28 of the GDPR.",
    fallbackText: null,
  },
  {
    title: "Assignment needs consent",
    clauseType: "assignment",
    requirement: "required",
    severity: "medium",
    parameters: { consentRequired: true },
    preferredText:
      "Neither party may assign or transfer this Agreement without the prior written consent of the other party, which shall not be unreasonably withheld, except to a successor in a merger or sale of substantially all of its assets.",
    fallbackText: null,
  },
  {
    title: "Non-solicitation for at most 12 months",
    clauseType: "non_solicitation",
    requirement: "required",
    severity: "low",
    parameters: { maxTermMonths: 12 },
    preferredText:
      "During the term of this Agreement and for twelve (12) months thereafter, neither party shall solicit for employment any employee of the other party who was involved in the performance of the Services.",
    fallbackText: null,
  },
  {
    title: "Warranty of at least 90 days",
    clauseType: "warranty",
    requirement: "required",
    severity: "medium",
    parameters: { minWarrantyDays: 90 },
    preferredText:
      "Provider warrants that the Services will be performed in a professional and workmanlike manner and that the Deliverables will conform to their specifications for ninety (90) days after acceptance.",
    fallbackText: null,
  },
  {
    title: "Customer owns the deliverables",
    clauseType: "ip_ownership",
    requirement: "required",
    severity: "high",
    parameters: { customerOwnsDeliverables: true },
    preferredText:
      "All right, title and interest in and to the Deliverables, including all intellectual property rights therein, shall vest in and be owned exclusively by Customer upon payment.",
    fallbackText:
      "Provider grants Customer a perpetual, irrevocable, royalty-free licence to use, copy and modify the Deliverables.",
  },
];

/** The standard rules with fresh ids, as a new built-in playbook stores them. */
export function standardRules(): PlaybookRule[] {
  return STANDARD_RULES.map((rule) => ({ id: randomUUID(), ...rule }));
}
