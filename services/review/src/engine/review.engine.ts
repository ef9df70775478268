import {
  checkAutoRenewal,
  checkConfidentiality,
  checkNonSolicitation,
  checkTerminationForConvenience,
} from "./term.checks.js";
import {
  checkIndemnification,
  checkLimitationOfLiability,
  checkPaymentTerms,
  checkWarranty,
} from "./commercial.checks.js";
import {
  checkAssignment,
  checkDataProtection,
  checkGoverningLaw,
  checkIpOwnership,
} from "./legal.checks.js";
import type { Candidate, CheckResult, ClauseCheck } from "./check.types.js";
import { defaultClassifier, type ClauseClassifier } from "./clause.classifier.js";
import { CLAUSE_TYPES, type ClauseParameters, type ClauseTypeId } from "./clause-types.js";
import { clauseClassifierText, splitClauses, type Clause } from "./clause.splitter.js";
import type { PlaybookRule } from "./playbook.rules.js";
import { normalizeNumbers } from "./quantities.js";
import { excerptOf, type FindingDraft } from "./review.types.js";

const CHECKS: { [T in ClauseTypeId]: ClauseCheck<T> } = {
  limitation_of_liability: checkLimitationOfLiability,
  indemnification: checkIndemnification,
  termination_for_convenience: checkTerminationForConvenience,
  auto_renewal: checkAutoRenewal,
  governing_law: checkGoverningLaw,
  confidentiality: checkConfidentiality,
  payment_terms: checkPaymentTerms,
  data_protection: checkDataProtection,
  assignment: checkAssignment,
  non_solicitation: checkNonSolicitation,
  warranty: checkWarranty,
  ip_ownership: checkIpOwnership,
};

/** A clause counts for a type when the type is its best label with at least this probability… */
const BEST_LABEL_FLOOR = 0.4;
/** …or when the type is this likely even if another label is a little likelier. */
const SECOND_LABEL_FLOOR = 0.45;

interface ClassifiedClause {
  clause: Clause;
  probabilities: Map<string, number>;
  best: string;
}

export interface AnalyzedText {
  text: string;
  clauses: ClassifiedClause[];
}

/** Splits and classifies once; every rule of a playbook then reads the same analysis. */
export function analyzeText(
  text: string,
  classifier: ClauseClassifier = defaultClassifier(),
): AnalyzedText {
  const labels = classifier.model.labels;
  const clauses = splitClauses(text).map((clause) => {
    const probabilities = classifier.probabilities(clauseClassifierText(clause));
    let best = 0;
    for (let i = 1; i < probabilities.length; i++) {
      if (probabilities[i]! > probabilities[best]!) best = i;
    }
    return {
      clause,
      probabilities: new Map(labels.map((label, i) => [label, probabilities[i]!])),
      best: labels[best]!,
    };
  });
  return { text, clauses };
}

/** The clauses of a type, most probable first. */
export function candidatesFor(analysis: AnalyzedText, type: ClauseTypeId): Candidate[] {
  return analysis.clauses
    .map((c) => ({ c, p: c.probabilities.get(type) ?? 0 }))
    .filter(({ c, p }) => (c.best === type && p >= BEST_LABEL_FLOOR) || p >= SECOND_LABEL_FLOOR)
    .sort((a, b) => b.p - a.p)
    .map(({ c, p }) => {
      const original = analysis.text.slice(c.clause.bodyStart, c.clause.end).replace(/\s+/g, " ");
      const heading = [c.clause.sectionHeading, c.clause.heading].filter(Boolean).join(". ");
      const normalized = normalizeNumbers(heading ? `${heading}. ${original}` : original);
      return {
        clause: c.clause,
        probability: p,
        normalized,
        lower: normalized.toLowerCase(),
        original,
      };
    });
}

const TITLES = new Map(CLAUSE_TYPES.map((t) => [t.id, t.title.toLowerCase()]));

function where(clause: Clause): string {
  return clause.number
    ? `Section ${clause.number}`
    : clause.heading
      ? `"${clause.heading}"`
      : "The clause";
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Checks one rule against an analysed contract. */
export function checkRule(analysis: AnalyzedText, rule: PlaybookRule): FindingDraft {
  const candidates = candidatesFor(analysis, rule.clauseType);
  const title = TITLES.get(rule.clauseType)!;
  const suggestion = rule.preferredText ?? rule.fallbackText ?? null;
  const base = {
    ruleId: rule.id,
    clauseType: rule.clauseType,
    severity: rule.severity,
  };
  if (candidates.length === 0) {
    const end = analysis.text.length;
    return {
      ...base,
      status: rule.requirement === "required" ? "missing" : "compliant",
      excerpt: "",
      location: { start: end, end },
      explanation:
        rule.requirement === "required"
          ? `No ${title} clause was found; the playbook requires one.`
          : `No ${title} clause was found, as the playbook requires.`,
      suggestion: rule.requirement === "required" ? suggestion : null,
      details: {
        ruleTitle: rule.title,
        differences: [],
        values: {},
        confidence: null,
        clauseNumber: null,
      },
    };
  }
  if (rule.requirement === "prohibited") {
    const primary = candidates[0]!;
    return {
      ...base,
      status: "deviation",
      ...locate(analysis.text, primary),
      explanation: `${where(primary.clause)} is a ${title} clause, which the playbook prohibits.`,
      suggestion,
      details: {
        ruleTitle: rule.title,
        differences: [
          {
            parameter: "requirement",
            expected: "absent",
            actual: "present",
            message: `a ${title} clause is present`,
          },
        ],
        values: {},
        confidence: round(primary.probability),
        clauseNumber: primary.clause.number,
      },
    };
  }
  const check = CHECKS[rule.clauseType] as ClauseCheck<ClauseTypeId>;
  const result: CheckResult = check(rule.parameters as ClauseParameters[ClauseTypeId], candidates);
  const deviation = result.differences.length > 0;
  const said = result.observations.join("; ");
  return {
    ...base,
    status: deviation ? "deviation" : "compliant",
    ...locate(analysis.text, result.primary),
    explanation: deviation
      ? `${where(result.primary.clause)}: ${result.differences.map((d) => d.message).join("; ")}.`
      : `${where(result.primary.clause)}: ${said}. ${sentence("this meets the playbook")}.`,
    suggestion: deviation ? suggestion : null,
    details: {
      ruleTitle: rule.title,
      differences: result.differences,
      values: result.values,
      confidence: round(result.primary.probability),
      clauseNumber: result.primary.clause.number,
    },
  };
}

function locate(text: string, candidate: Candidate) {
  const start = candidate.clause.bodyStart;
  const end = candidate.clause.end;
  return { location: { start, end }, excerpt: excerptOf(text, start, end) };
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** The built-in review: every rule of the playbook against the contract's text. */
export function reviewText(
  text: string,
  rules: readonly PlaybookRule[],
  classifier: ClauseClassifier = defaultClassifier(),
): FindingDraft[] {
  const analysis = analyzeText(text, classifier);
  return rules.map((rule) => checkRule(analysis, rule));
}
