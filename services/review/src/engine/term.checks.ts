import { durations, toDays, toMonths, toYears } from "./quantities.js";
import { plural, type Candidate, type CheckResult, type ClauseCheck } from "./check.types.js";

/** The shortest notice period in days that a candidate mentions in a notice context. */
function noticeDays(candidate: Candidate, context: RegExp): number | null {
  const days = durations(candidate.normalized)
    .filter((d) => context.test(d.context.toLowerCase()))
    .map(toDays);
  if (days.length > 0) return Math.min(...days);
  if (/immediately/.test(candidate.lower)) return 0;
  return null;
}

const CONVENIENCE =
  /for (?:its |their )?convenience|without cause|for any reason|at will|without (?:giving|having to show|any obligation to give) (?:a |any )?(?:reason|cause)s?|at its (?:sole )?discretion|for reasons other than breach|unilaterally/;
const NO_CONVENIENCE =
  /(?:neither party|no party|may not|shall not|cannot)[^.]{0,80}terminat[^.]{0,60}(?:convenience|without cause)|no termination for convenience|may only be terminated/;

export const checkTerminationForConvenience: ClauseCheck<"termination_for_convenience"> = (
  parameters,
  candidates,
) => {
  const denial = candidates.find((c) => NO_CONVENIENCE.test(c.lower));
  const grant = candidates.find(
    (c) =>
      !NO_CONVENIENCE.test(c.lower) &&
      /terminat|cancel|end|withdraw/.test(c.lower) &&
      CONVENIENCE.test(c.lower),
  );
  const notice = grant ? noticeDays(grant, /notice|advance|prior|beforehand|after the date/) : null;
  const result: CheckResult = {
    primary: grant ?? denial ?? candidates[0]!,
    differences: [],
    observations: [],
    values: { allowed: Boolean(grant), noticeDays: notice },
    negated: !grant && Boolean(denial),
  };
  if (grant) {
    result.observations.push(
      notice === null
        ? "termination for convenience is allowed; no notice period was found"
        : `termination for convenience is allowed on ${plural(notice, "day")}' notice`,
    );
  } else {
    result.observations.push("the contract gives no right to terminate for convenience");
  }
  if (parameters.allowed === false && grant) {
    result.differences.push({
      parameter: "allowed",
      expected: false,
      actual: true,
      message:
        "the contract allows termination for convenience, which the playbook does not accept",
    });
  }
  if (parameters.allowed === true && !grant) {
    result.differences.push({
      parameter: "allowed",
      expected: true,
      actual: false,
      message: "the playbook requires a right to terminate for convenience",
    });
  }
  if (grant && parameters.minNoticeDays !== undefined && notice !== null) {
    if (notice < parameters.minNoticeDays) {
      result.differences.push({
        parameter: "minNoticeDays",
        expected: parameters.minNoticeDays,
        actual: notice,
        message: `the notice period is ${plural(notice, "day")}, less than the ${plural(parameters.minNoticeDays, "day")} the playbook requires`,
      });
    }
  }
  return result;
};

const RENEWS =
  /(?:automatic(?:ally)?|auto)[- ]?(?:renew|extend)|renew\w* (?:automatically|tacitly)|(?:be )?extended automatically|evergreen|tacit(?:ly)? renew|roll over|from year to year|continue[^.]{0,60}successive|renew[^.]{0,40}(?:successive|consecutive|further|additional)/;
const NO_RENEWAL =
  /(?:shall|will|does) not (?:renew|be renewed) automatically|not renew automatically|no automatic renewal|shall not renew|there shall be no automatic|renewal[^.]{0,60}requires?[^.]{0,40}(?:written|mutual)/;

export const checkAutoRenewal: ClauseCheck<"auto_renewal"> = (parameters, candidates) => {
  const denial = candidates.find((c) => NO_RENEWAL.test(c.lower));
  const renewal = candidates.find((c) => !NO_RENEWAL.test(c.lower) && RENEWS.test(c.lower));
  const optOut = renewal
    ? noticeDays(renewal, /notice|non-renewal|cancel|opt|terminat|inform|notif|prior|before/)
    : null;
  const result: CheckResult = {
    primary: renewal ?? denial ?? candidates[0]!,
    differences: [],
    observations: [
      renewal
        ? optOut === null
          ? "the term renews automatically; no opt-out notice period was found"
          : `the term renews automatically unless notice is given ${plural(optOut, "day")} before renewal`
        : "the term does not renew automatically",
    ],
    values: { renews: Boolean(renewal), optOutNoticeDays: optOut },
    negated: !renewal && Boolean(denial),
  };
  if (parameters.allowed === false && renewal) {
    result.differences.push({
      parameter: "allowed",
      expected: false,
      actual: true,
      message: "the contract renews automatically, which the playbook does not accept",
    });
  }
  if (renewal && parameters.minOptOutNoticeDays !== undefined && optOut !== null) {
    if (optOut < parameters.minOptOutNoticeDays) {
      result.differences.push({
        parameter: "minOptOutNoticeDays",
        expected: parameters.minOptOutNoticeDays,
        actual: optOut,
        message: `the opt-out notice is ${plural(optOut, "day")}, less than the ${plural(parameters.minOptOutNoticeDays, "day")} the playbook requires`,
      });
    }
  }
  return result;
};

const PERPETUAL = /perpetu|indefinite|for as long as|no time limit|without limit of time/;

export const checkConfidentiality: ClauseCheck<"confidentiality"> = (parameters, candidates) => {
  let term: { years: number; candidate: Candidate } | null = null;
  for (const candidate of candidates) {
    for (const d of durations(candidate.normalized)) {
      if (d.unit === "day" && d.value < 365) continue;
      if (
        !/surviv|period|continu|last|after|following|from the date|remain|for/.test(
          d.context.toLowerCase(),
        )
      ) {
        continue;
      }
      term = { years: toYears(d), candidate };
      break;
    }
    if (term) break;
  }
  const perpetual = term ? undefined : candidates.find((c) => PERPETUAL.test(c.lower));
  const years = term ? term.years : perpetual ? Number.POSITIVE_INFINITY : null;
  const result: CheckResult = {
    primary: term?.candidate ?? perpetual ?? candidates[0]!,
    differences: [],
    observations: [
      term
        ? `confidentiality lasts ${plural(term.years, "year")}`
        : perpetual
          ? "confidentiality lasts indefinitely"
          : "no confidentiality period was found",
    ],
    values: { termYears: years === Number.POSITIVE_INFINITY ? "perpetual" : years },
  };
  if (parameters.minTermYears !== undefined) {
    if (years === null) {
      result.differences.push({
        parameter: "minTermYears",
        expected: parameters.minTermYears,
        actual: null,
        message: `no confidentiality period was found; the playbook requires at least ${plural(parameters.minTermYears, "year")}`,
      });
    } else if (years < parameters.minTermYears) {
      result.differences.push({
        parameter: "minTermYears",
        expected: parameters.minTermYears,
        actual: years,
        message: `confidentiality lasts ${plural(years, "year")}, less than the ${plural(parameters.minTermYears, "year")} the playbook requires`,
      });
    }
  }
  return result;
};

export const checkNonSolicitation: ClauseCheck<"non_solicitation"> = (parameters, candidates) => {
  let longest: { months: number; candidate: Candidate } | null = null;
  for (const candidate of candidates) {
    for (const d of durations(candidate.normalized)) {
      if (
        !/thereafter|after|following|terminat|period|for|expir|end/.test(d.context.toLowerCase())
      ) {
        continue;
      }
      if (/salary|fee|placement|damages/.test(d.context.toLowerCase()) && d.unit === "month") {
        // "the employee's salary for the 6 months before" is a price, not the covenant's term.
        if (
          !/thereafter|after (?:the )?(?:term|termination|expiry|end)/.test(d.context.toLowerCase())
        ) {
          continue;
        }
      }
      const months = toMonths(d);
      if (!longest || months > longest.months) longest = { months, candidate };
    }
  }
  const result: CheckResult = {
    primary: longest?.candidate ?? candidates[0]!,
    differences: [],
    observations: [
      longest
        ? `the non-solicitation covenant lasts ${plural(longest.months, "month")}`
        : "no non-solicitation period was found",
    ],
    values: { termMonths: longest?.months ?? null },
  };
  if (
    parameters.maxTermMonths !== undefined &&
    longest &&
    longest.months > parameters.maxTermMonths
  ) {
    result.differences.push({
      parameter: "maxTermMonths",
      expected: parameters.maxTermMonths,
      actual: longest.months,
      message: `the covenant lasts ${plural(longest.months, "month")}, longer than the ${plural(parameters.maxTermMonths, "month")} the playbook allows`,
    });
  }
  return result;
};
