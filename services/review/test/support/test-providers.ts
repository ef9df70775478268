import { BuiltinReviewProvider } from "../../src/engine/builtin.provider.js";
import {
  PermanentProviderError,
  RetryableProviderError,
  type ReviewInput,
  type ReviewProvider,
  type ReviewResult,
} from "../../src/engine/review.types.js";

/** Words a test puts in a contract to make the engine misbehave on it. */
export const MARKERS = {
  /** The engine fails for good (a bug, a refused request). */
  broken: "ENGINE-BREAKS-ON-THIS",
  /** The engine fails for good with a reason it can show (a model that refuses the contract). */
  refused: "ENGINE-REFUSES-THIS",
  /** The engine fails in a way a retry may fix, every time. */
  flaky: "ENGINE-TIMES-OUT-ON-THIS",
  /** The engine never answers (a worker that hangs, then dies). */
  hang: "ENGINE-HANGS-ON-THIS",
  /** The engine answers only once the test lets it (`MarkerProvider.answerHeld`). */
  held: "ENGINE-WAITS-ON-THIS",
};

/** The built-in engine, except on contracts that carry one of the markers. */
export class MarkerProvider implements ReviewProvider {
  readonly name = "builtin";
  private readonly builtin = new BuiltinReviewProvider();
  calls = 0;
  private answer!: () => void;
  private readonly held = new Promise<void>((resolve) => (this.answer = resolve));

  constructor(private readonly options: { hang?: boolean } = {}) {}

  /** Lets the engine answer on the contracts it holds (`MARKERS.held`). */
  answerHeld(): void {
    this.answer();
  }

  review(input: ReviewInput): Promise<ReviewResult> {
    this.calls++;
    if (input.text.includes(MARKERS.broken)) {
      return Promise.reject(new Error("the engine crashed"));
    }
    if (input.text.includes(MARKERS.refused)) {
      return Promise.reject(
        new PermanentProviderError("the model refused to review this contract"),
      );
    }
    if (input.text.includes(MARKERS.flaky)) {
      return Promise.reject(new RetryableProviderError("the model did not answer in time"));
    }
    if (this.options.hang && input.text.includes(MARKERS.hang)) {
      return new Promise<never>(() => undefined);
    }
    if (input.text.includes(MARKERS.held)) {
      return this.held.then(() => this.builtin.review(input));
    }
    return this.builtin.review(input);
  }
}

/** A plain-text contract that the marker provider reacts to. */
export function markedText(marker: string): Buffer {
  return Buffer.from(
    `SERVICES AGREEMENT\n\n1. PAYMENT\n\n1.1 Customer shall pay each invoice within thirty (30) days.\n\n${marker}\n`,
  );
}
