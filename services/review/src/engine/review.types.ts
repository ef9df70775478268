import type { Difference } from "./check.types.js";
import type { ClauseTypeId } from "./clause-types.js";
import type { PlaybookRule, Severity } from "./playbook.rules.js";

export const FINDING_STATUSES = ["compliant", "deviation", "missing"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** A finding before it is stored: what an engine says about one rule. */
export interface FindingDraft {
  ruleId: string;
  clauseType: ClauseTypeId;
  status: FindingStatus;
  severity: Severity;
  excerpt: string;
  /** Offsets into the contract's extracted text; an insertion point for a missing clause. */
  location: { start: number; end: number };
  explanation: string;
  suggestion: string | null;
  details: {
    ruleTitle: string;
    differences: Difference[];
    values: Record<string, unknown>;
    /** How sure the engine is that the clause is of the rule's type (0–1), if it knows. */
    confidence: number | null;
    clauseNumber: string | null;
  };
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ReviewInput {
  /** The contract's extracted text; finding locations index it. */
  text: string;
  rules: readonly PlaybookRule[];
}

export interface ReviewResult {
  findings: FindingDraft[];
  provider: string;
  model: string | null;
  usage: TokenUsage | null;
}

/**
 * A review engine. The built-in one runs in-process; others call a model over the network. A
 * provider throws `RetryableProviderError` when a later attempt may succeed (timeouts, 5xx, a
 * malformed answer), `PermanentProviderError` when it will not and the reason can be shown, and
 * anything else when it will not.
 */
export interface ReviewProvider {
  readonly name: string;
  review(input: ReviewInput, options?: { signal?: AbortSignal }): Promise<ReviewResult>;
}

export class RetryableProviderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RetryableProviderError";
  }
}

/**
 * A failure no retry can help, in words that can be shown on the review: the model refused the
 * contract, or its answer was cut off at its output limit (the same request gets the same answer).
 */
export class PermanentProviderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentProviderError";
  }
}

/** Excerpts are the located text, shortened when a clause is very long. */
export const MAX_EXCERPT = 1_000;

export function excerptOf(text: string, start: number, end: number): string {
  const slice = text.slice(start, end).trim();
  return slice.length > MAX_EXCERPT ? `${slice.slice(0, MAX_EXCERPT - 1)}…` : slice;
}
