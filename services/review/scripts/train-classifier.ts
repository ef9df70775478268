/**
 * Trains the built-in clause classifier from training/clauses.labeled.md and writes
 * model/clause-classifier.json. Run after changing the labeled set:
 *   pnpm --filter @clment/review train
 * Training is deterministic; a test checks the committed model matches the labeled set.
 */
import { writeFileSync } from "node:fs";
import { ClauseClassifier, MODEL_URL } from "../src/engine/clause.classifier.js";
import { evaluateClassifier, trainFromLabeledSet } from "../src/engine/clause.training.js";

const started = Date.now();
const { model, heldOut } = trainFromLabeledSet();
writeFileSync(MODEL_URL, JSON.stringify(model) + "\n");
const evaluation = evaluateClassifier(new ClauseClassifier(model), heldOut);
console.log(
  `trained on ${model.training.examples} clauses (${model.vocabulary.length} features) in ${Date.now() - started} ms; ` +
    `held-out accuracy ${(evaluation.accuracy * 100).toFixed(1)}% (${evaluation.correct}/${evaluation.total})`,
);
for (const error of evaluation.errors) {
  console.log(`  expected ${error.expected}, got ${error.predicted}: ${error.text.slice(0, 90)}`);
}
