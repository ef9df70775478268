export {
  createReviewService,
  reviewService,
  type ReviewOptions,
  type ReviewServices,
} from "./service.js";
export { migrations } from "./migrations/index.js";
export { BuiltinReviewProvider } from "./engine/builtin.provider.js";
export { OpenAiReviewProvider } from "./engine/openai.provider.js";
export { clauseTypeCatalogue, CLAUSE_TYPE_IDS } from "./engine/clause-types.js";
export { reviewText } from "./engine/review.engine.js";
export { STANDARD_RULES, standardRules } from "./engine/standard-playbook.js";
export { reviewOperations } from "./openapi.js";
