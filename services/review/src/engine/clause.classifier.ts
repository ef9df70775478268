import { readFileSync } from "node:fs";
import { tfidfVector } from "./text.features.js";

/** The label of clauses outside the catalogue (definitions, notices, force majeure…). */
export const OTHER_LABEL = "other";

/** The classifier as the training script writes it (model/clause-classifier.json). */
export interface ClassifierModel {
  kind: "tfidf-logistic-regression";
  version: number;
  labels: string[];
  vocabulary: string[];
  idf: number[];
  /** One row of feature weights per label. */
  weights: number[][];
  bias: number[];
  training: { examples: number; heldOut: number; sourceSha256: string; epochs: number };
}

export interface Prediction {
  label: string;
  probability: number;
}

export const MODEL_URL = new URL("../../model/clause-classifier.json", import.meta.url);

/**
 * A multinomial logistic regression over tf-idf features, trained at build time by
 * `scripts/train-classifier.ts` on `training/clauses.labeled.md`. Prediction is a sparse dot
 * product per label: microseconds per clause.
 */
export class ClauseClassifier {
  private readonly vocabulary: Map<string, number>;

  constructor(readonly model: ClassifierModel) {
    this.vocabulary = new Map(model.vocabulary.map((term, index) => [term, index]));
  }

  static load(url: URL = MODEL_URL): ClauseClassifier {
    return new ClauseClassifier(JSON.parse(readFileSync(url, "utf8")) as ClassifierModel);
  }

  /** Probabilities per label, in `model.labels` order. */
  probabilities(text: string): number[] {
    const { indices, values } = tfidfVector(text, this.vocabulary, this.model.idf);
    const scores = this.model.weights.map((row, label) => {
      let score = this.model.bias[label]!;
      for (let i = 0; i < indices.length; i++) score += row[indices[i]!]! * values[i]!;
      return score;
    });
    return softmax(scores);
  }

  predict(text: string): Prediction {
    const probabilities = this.probabilities(text);
    let best = 0;
    for (let i = 1; i < probabilities.length; i++) {
      if (probabilities[i]! > probabilities[best]!) best = i;
    }
    return { label: this.model.labels[best]!, probability: probabilities[best]! };
  }
}

export function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

let shared: ClauseClassifier | undefined;

/** The classifier of the committed model, loaded once per process. */
export function defaultClassifier(): ClauseClassifier {
  shared ??= ClauseClassifier.load();
  return shared;
}
