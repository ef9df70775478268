import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ClauseClassifier, softmax, type ClassifierModel } from "./clause.classifier.js";
import { termCounts, tfidfVector, type SparseVector } from "./text.features.js";

export interface LabeledClause {
  label: string;
  text: string;
}

export const LABELED_CLAUSES_URL = new URL("../../training/clauses.labeled.md", import.meta.url);

/** Every fifth example of each label is held out: the test set the model never sees. */
export const HOLD_OUT_EVERY = 5;

/** Reads the labeled set: `## <label>` sections, one example per paragraph. */
export function parseLabeledClauses(markdown: string): LabeledClause[] {
  const examples: LabeledClause[] = [];
  let label: string | undefined;
  for (const block of markdown.split(/\n\s*\n/)) {
    const text = block.trim();
    const heading = /^##\s+(\S+)\s*$/.exec(text);
    if (heading) {
      label = heading[1];
      continue;
    }
    if (!label || text.length === 0 || text.startsWith("#")) continue;
    examples.push({ label, text: text.replace(/\s+/g, " ") });
  }
  return examples;
}

export function readLabeledClauses(url: URL = LABELED_CLAUSES_URL): {
  examples: LabeledClause[];
  sha256: string;
} {
  const source = readFileSync(url, "utf8");
  return {
    examples: parseLabeledClauses(source),
    sha256: createHash("sha256").update(source).digest("hex"),
  };
}

export function splitHeldOut(examples: LabeledClause[]): {
  train: LabeledClause[];
  heldOut: LabeledClause[];
} {
  const seen = new Map<string, number>();
  const train: LabeledClause[] = [];
  const heldOut: LabeledClause[] = [];
  for (const example of examples) {
    const index = seen.get(example.label) ?? 0;
    seen.set(example.label, index + 1);
    (index % HOLD_OUT_EVERY === HOLD_OUT_EVERY - 1 ? heldOut : train).push(example);
  }
  return { train, heldOut };
}

export interface TrainingOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  sourceSha256?: string;
  heldOut?: number;
}

/** A small deterministic PRNG so the same data always gives the same model. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number) => Math.round(value * 1e5) / 1e5;

/**
 * Trains a multinomial logistic regression with stochastic gradient descent on tf-idf
 * features. Deterministic: same examples and options, same model.
 */
export function trainClassifier(
  examples: LabeledClause[],
  options: TrainingOptions = {},
): ClassifierModel {
  const epochs = options.epochs ?? 80;
  const learningRate = options.learningRate ?? 0.8;
  const l2 = options.l2 ?? 1e-5;
  const labels = [...new Set(examples.map((e) => e.label))].sort();

  const documentFrequency = new Map<string, number>();
  const counts = examples.map((e) => termCounts(e.text));
  for (const terms of counts) {
    for (const term of terms.keys()) {
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }
  const vocabulary = [...documentFrequency.keys()].sort();
  const index = new Map(vocabulary.map((term, i) => [term, i]));
  const n = examples.length;
  const idf = vocabulary.map((term) =>
    round(Math.log((n + 1) / ((documentFrequency.get(term) ?? 0) + 1)) + 1),
  );
  const vectors: SparseVector[] = examples.map((e) => tfidfVector(e.text, index, idf));
  const targets = examples.map((e) => labels.indexOf(e.label));

  const weights = labels.map(() => new Float64Array(vocabulary.length));
  const bias = new Float64Array(labels.length);
  const random = mulberry32(options.seed ?? 42);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const rate = learningRate / (1 + epoch * 0.05);
    for (const k of order) {
      const { indices, values } = vectors[k]!;
      const scores = labels.map((_, label) => {
        let score = bias[label]!;
        const row = weights[label]!;
        for (let i = 0; i < indices.length; i++) score += row[indices[i]!]! * values[i]!;
        return score;
      });
      const probabilities = softmax(scores);
      for (let label = 0; label < labels.length; label++) {
        const gradient = probabilities[label]! - (label === targets[k] ? 1 : 0);
        const row = weights[label]!;
        for (let i = 0; i < indices.length; i++) {
          const f = indices[i]!;
          row[f] = row[f]! - rate * (gradient * values[i]! + l2 * row[f]!);
        }
        bias[label] = bias[label]! - rate * gradient;
      }
    }
  }
  return {
    kind: "tfidf-logistic-regression",
    version: 1,
    labels,
    vocabulary,
    idf,
    weights: weights.map((row) => Array.from(row, round)),
    bias: Array.from(bias, round),
    training: {
      examples: n,
      heldOut: options.heldOut ?? 0,
      sourceSha256: options.sourceSha256 ?? "",
      epochs,
    },
  };
}

export interface Evaluation {
  accuracy: number;
  correct: number;
  total: number;
  errors: { expected: string; predicted: string; text: string }[];
}

export function evaluateClassifier(
  classifier: ClauseClassifier,
  examples: LabeledClause[],
): Evaluation {
  const errors: Evaluation["errors"] = [];
  for (const example of examples) {
    const { label } = classifier.predict(example.text);
    if (label !== example.label) {
      errors.push({ expected: example.label, predicted: label, text: example.text });
    }
  }
  const total = examples.length;
  return {
    accuracy: (total - errors.length) / total,
    correct: total - errors.length,
    total,
    errors,
  };
}

/** Trains on the labeled set minus its held-out part: what the build script writes. */
export function trainFromLabeledSet(url: URL = LABELED_CLAUSES_URL): {
  model: ClassifierModel;
  heldOut: LabeledClause[];
} {
  const { examples, sha256 } = readLabeledClauses(url);
  const { train, heldOut } = splitHeldOut(examples);
  const model = trainClassifier(train, { sourceSha256: sha256, heldOut: heldOut.length });
  return { model, heldOut };
}

export { ClauseClassifier };
