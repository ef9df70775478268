import { describe, expect, it } from "@jest/globals";
import { ClauseClassifier, defaultClassifier } from "../src/engine/clause.classifier.js";
import {
  evaluateClassifier,
  readLabeledClauses,
  splitHeldOut,
  trainFromLabeledSet,
} from "../src/engine/clause.training.js";
import { CLAUSE_TYPE_IDS } from "../src/engine/clause-types.js";

describe("the built-in clause classifier", () => {
  const { examples } = readLabeledClauses();

  it("is trained on at least 20 labeled examples of every clause type of the catalogue", () => {
    for (const type of CLAUSE_TYPE_IDS) {
      expect(examples.filter((e) => e.label === type).length).toBeGreaterThanOrEqual(20);
    }
  });

  it("classifies the held-out clauses it never saw with at least 85% accuracy", () => {
    const { heldOut } = splitHeldOut(examples);
    const catalogued = heldOut.filter((e) => e.label !== "other");
    const evaluation = evaluateClassifier(defaultClassifier(), catalogued);
    const overall = evaluateClassifier(defaultClassifier(), heldOut);
    console.log(
      `clause-type accuracy on ${evaluation.total} held-out clauses: ${(evaluation.accuracy * 100).toFixed(1)}% ` +
        `(with 'other': ${(overall.accuracy * 100).toFixed(1)}% of ${overall.total})`,
    );
    expect(evaluation.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(defaultClassifier().model.training.heldOut).toBe(heldOut.length);
  });

  it("keeps the committed model in step with the labeled set (run `pnpm --filter @clment/review train`)", () => {
    const { model } = trainFromLabeledSet();
    const committed = defaultClassifier().model;
    expect(committed.training.sourceSha256).toBe(model.training.sourceSha256);
    expect(committed.vocabulary).toEqual(model.vocabulary);
    expect(committed.weights).toEqual(model.weights);
  });

  it("trains deterministically: the same data gives the same predictions", () => {
    const a = new ClauseClassifier(trainFromLabeledSet().model);
    const b = new ClauseClassifier(trainFromLabeledSet().model);
    const text = "This Agreement shall be governed by the laws of the State of New York.";
    expect(a.predict(text)).toEqual(b.predict(text));
    expect(a.predict(text).label).toBe("governing_law");
  });
});
