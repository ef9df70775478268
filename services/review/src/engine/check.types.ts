import type { Clause } from "./clause.splitter.js";
import type { ClauseParameters, ClauseTypeId } from "./clause-types.js";

/** A clause the classifier put in a rule's clause type, with its text ready for reading. */
export interface Candidate {
  clause: Clause;
  probability: number;
  /** The clause's words with numbers as digits ("thirty (30) days" → "30 days"). */
  normalized: string;
  /** `normalized`, lower-cased. */
  lower: string;
  /** The clause's words as written (for names such as jurisdictions). */
  original: string;
}

/** One way the contract differs from what the rule asks. */
export interface Difference {
  parameter: string;
  expected: unknown;
  actual: unknown;
  message: string;
}

/** What a clause-type check found in the candidate clauses. */
export interface CheckResult {
  /** The clause the finding points at: the one that holds the deciding words. */
  primary: Candidate;
  differences: Difference[];
  /** What was read, for the explanation ("liability capped at 12 months of fees"). */
  observations: string[];
  /** Values read, keyed by parameter (additive detail on the finding). */
  values: Record<string, unknown>;
  /** A present clause that says the opposite of the type (e.g. "shall not renew"). */
  negated?: boolean;
}

export type ClauseCheck<T extends ClauseTypeId> = (
  parameters: ClauseParameters[T],
  candidates: Candidate[],
) => CheckResult;

/** The sentences of a candidate, lower-cased and normalized. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.;])\s+(?=[A-Z(a-z])/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The first candidate whose lower-cased text matches, else the most probable one. */
export function pick(candidates: Candidate[], test: (c: Candidate) => boolean): Candidate {
  return candidates.find(test) ?? candidates[0]!;
}

export function plural(value: number, unit: string): string {
  return `${value} ${unit}${value === 1 ? "" : "s"}`;
}
