import { defaultClassifier, type ClauseClassifier } from "./clause.classifier.js";
import { reviewText } from "./review.engine.js";
import type { ReviewInput, ReviewProvider, ReviewResult } from "./review.types.js";

/**
 * The default engine: clause splitting, the trained clause classifier, parameter extraction and
 * rule checks, all in-process, no network. Deterministic: the same text and playbook give the
 * same findings.
 */
export class BuiltinReviewProvider implements ReviewProvider {
  readonly name = "builtin";

  constructor(private readonly classifier: ClauseClassifier = defaultClassifier()) {}

  review(input: ReviewInput): Promise<ReviewResult> {
    return Promise.resolve({
      findings: reviewText(input.text, input.rules, this.classifier),
      provider: this.name,
      model: `clause-classifier@${this.classifier.model.training.sourceSha256.slice(0, 12)}`,
      usage: null,
    });
  }
}
