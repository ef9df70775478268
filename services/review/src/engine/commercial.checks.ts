import { durations, netDays, toDays, toMonths, type Duration } from "./quantities.js";
import { plural, type Candidate, type CheckResult, type ClauseCheck } from "./check.types.js";

/** The carve-outs from a liability cap the engine recognises, with how each is written. */
const CARVE_OUTS: { name: string; pattern: RegExp }[] = [
  { name: "gross negligence", pattern: /gross(?:ly)?\s+negligen/ },
  {
    name: "willful misconduct",
    pattern: /wil{1,2}ful\s+(?:misconduct|default)|intentional\s+misconduct/,
  },
  { name: "fraud", pattern: /\bfraud/ },
  { name: "death or personal injury", pattern: /death|personal injury|bodily injury/ },
  { name: "breach of confidentiality", pattern: /confidential/ },
  { name: "indemnification obligations", pattern: /indemn/ },
  { name: "intellectual property infringement", pattern: /infring|intellectual property/ },
  { name: "data protection", pattern: /data protection|data breach|personal data|privacy/ },
  { name: "payment obligations", pattern: /payment obligation|amounts? (?:due|owed)/ },
];

const EXCLUSION_WORDS =
  /\bexcept\b|\bexclud|shall not apply|does not apply|do not apply|will not apply|nothing in this|save (?:that|for)|other than|not limit|unlimited|carve/;

function carveOutsOf(lower: string): string[] {
  if (!EXCLUSION_WORDS.test(lower)) return [];
  return CARVE_OUTS.filter((c) => c.pattern.test(lower)).map((c) => c.name);
}

function capMonths(candidate: Candidate): number | null {
  const { lower } = candidate;
  if (
    !/exceed|limit|cap|maximum|greater than|in excess of|recoverable|not be liable for any amount/.test(
      lower,
    )
  ) {
    return null;
  }
  let multiplier = 1;
  const times = /(\d+(?:\.\d+)?)\s*(?:times|x)\s+(?:the\s+)?/.exec(lower);
  const percent = /(\d+(?:\.\d+)?)\s*(?:%|percent|per cent)\s+of\s+the/.exec(lower);
  if (times) multiplier = Number(times[1]);
  else if (percent) multiplier = Number(percent[1]) / 100;
  const feeDurations = durations(candidate.normalized).filter((d) =>
    /fee|charge|paid|payable|amount|compensation|received|price/.test(d.context.toLowerCase()),
  );
  if (feeDurations.length > 0) return round(toMonths(feeDurations[0]!) * multiplier);
  if (
    /annual|yearly|(?:contract|calendar) year|fees? (?:paid |payable )?(?:for|in|during) (?:the|that|a) year/.test(
      lower,
    )
  ) {
    return round(12 * multiplier);
  }
  if (/\bquarter\b/.test(lower)) return round(3 * multiplier);
  return null;
}

const round = (value: number) => Math.round(value * 100) / 100;

const UNLIMITED =
  /liability (?:is|shall be) unlimited|shall not be limited|no limit(?:ation)? (?:on|of) (?:its |their )?liability/;

export const checkLimitationOfLiability: ClauseCheck<"limitation_of_liability"> = (
  parameters,
  candidates,
) => {
  const result: CheckResult = {
    primary: candidates[0]!,
    differences: [],
    observations: [],
    values: {},
  };
  const capped = candidates.find((c) => capMonths(c) !== null);
  const unlimited = candidates.find((c) => UNLIMITED.test(c.lower) && capMonths(c) === null);
  const cap = capped ? capMonths(capped) : null;
  const carveOuts = [...new Set(candidates.flatMap((c) => carveOutsOf(c.lower)))];
  result.values = { capMonths: cap, carveOuts };
  if (capped) {
    result.primary = capped;
    result.observations.push(`liability is capped at ${plural(cap!, "month")} of fees`);
  } else if (unlimited) {
    result.primary = unlimited;
    result.observations.push("liability is not capped");
  } else {
    result.observations.push("no cap expressed in months of fees was found");
  }
  if (parameters.maxCapMonths !== undefined) {
    if (cap !== null && cap > parameters.maxCapMonths) {
      result.differences.push({
        parameter: "maxCapMonths",
        expected: parameters.maxCapMonths,
        actual: cap,
        message: `the cap is ${plural(cap, "month")} of fees, more than the ${plural(parameters.maxCapMonths, "month")} the playbook allows`,
      });
    } else if (cap === null) {
      result.differences.push({
        parameter: "maxCapMonths",
        expected: parameters.maxCapMonths,
        actual: null,
        message: `no cap of at most ${plural(parameters.maxCapMonths, "month")} of fees was found`,
      });
    }
  }
  if (carveOuts.length > 0) result.observations.push(`carve-outs: ${carveOuts.join(", ")}`);
  if (parameters.allowedCarveOuts !== undefined) {
    const allowed = parameters.allowedCarveOuts.map((a) => a.toLowerCase());
    const allowedNames = new Set(
      CARVE_OUTS.filter((c) => allowed.some((a) => c.pattern.test(a) || a.includes(c.name))).map(
        (c) => c.name,
      ),
    );
    const extra = carveOuts.filter((name) => !allowedNames.has(name));
    if (extra.length > 0) {
      const holder = candidates.find((c) => carveOutsOf(c.lower).some((n) => extra.includes(n)));
      if (holder && result.differences.length === 0) result.primary = holder;
      result.differences.push({
        parameter: "allowedCarveOuts",
        expected: parameters.allowedCarveOuts,
        actual: carveOuts,
        message: `carve-outs the playbook does not allow: ${extra.join(", ")}`,
      });
    }
  }
  return result;
};

const PARTY =
  "customer|client|provider|supplier|vendor|licensee|licensor|buyer|seller|contractor|consultant|company|agency|distributor|reseller|manufacturer|tenant|landlord|recipient|subcontractor|developer|service provider";
const INDEMNITOR = new RegExp(
  `\\b(${PARTY})\\b\\s+(?:shall|will|agrees to|hereby agrees to|undertakes to)\\s+(?:\\w+\\s+){0,3}?(?:defend|indemnify|hold|compensate|keep)`,
);
const MUTUAL =
  /\b(?:each|either|both)\s+(?:party|parties|of the parties)\b[^.]{0,120}\b(?:indemnif|defend|hold|compensate)|mutual(?:ly)?\s+(?:indemn|basis)|\bmutual indemnity\b|indemnif\w*[^.]{0,40}\beach other\b/;

export const checkIndemnification: ClauseCheck<"indemnification"> = (parameters, candidates) => {
  const mutualClause = candidates.find((c) => MUTUAL.test(c.lower));
  const indemnitors = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const match = INDEMNITOR.exec(candidate.lower);
    if (match && !indemnitors.has(match[1]!)) indemnitors.set(match[1]!, candidate);
  }
  const mutual = Boolean(mutualClause) || indemnitors.size >= 2;
  const result: CheckResult = {
    primary: mutualClause ?? indemnitors.values().next().value ?? candidates[0]!,
    differences: [],
    observations: [],
    values: { mutual, indemnifyingParties: [...indemnitors.keys()] },
  };
  result.observations.push(
    mutual
      ? "both parties indemnify each other"
      : indemnitors.size === 1
        ? `only the ${[...indemnitors.keys()][0]} gives an indemnity`
        : "the indemnity is not stated to be mutual",
  );
  if (parameters.mutualRequired === true && !mutual) {
    result.differences.push({
      parameter: "mutualRequired",
      expected: true,
      actual: false,
      message: "the indemnity is one-sided; the playbook requires a mutual indemnity",
    });
  }
  return result;
};

function paymentDays(candidate: Candidate): number[] {
  const days = durations(candidate.normalized)
    .filter((d: Duration) =>
      /invoice|receipt|payable|due|pay|settled|remit/.test(d.context.toLowerCase()),
    )
    .filter((d) => d.unit === "day" || d.unit === "week" || d.unit === "month")
    .map(toDays);
  const net = netDays(candidate.normalized);
  const onReceipt =
    /due (?:up)?on receipt|payable (?:up)?on receipt|immediately (?:up)?on receipt/.test(
      candidate.lower,
    )
      ? [0]
      : [];
  return [...days, ...net, ...onReceipt];
}

export const checkPaymentTerms: ClauseCheck<"payment_terms"> = (parameters, candidates) => {
  let longest: { days: number; candidate: Candidate } | null = null;
  for (const candidate of candidates) {
    for (const days of paymentDays(candidate)) {
      if (!longest || days > longest.days) longest = { days, candidate };
    }
  }
  const result: CheckResult = {
    primary: longest?.candidate ?? candidates[0]!,
    differences: [],
    observations: [
      longest
        ? `invoices are payable within ${plural(longest.days, "day")}`
        : "no payment period was found",
    ],
    values: { netDays: longest?.days ?? null },
  };
  if (parameters.maxNetDays !== undefined && longest && longest.days > parameters.maxNetDays) {
    result.differences.push({
      parameter: "maxNetDays",
      expected: parameters.maxNetDays,
      actual: longest.days,
      message: `payment is due within ${plural(longest.days, "day")}, more than the ${plural(parameters.maxNetDays, "day")} the playbook allows`,
    });
  }
  return result;
};

const NO_WARRANTY = /\bas is\b|disclaims? all|without (?:any )?warrant|makes no warrant/;

export const checkWarranty: ClauseCheck<"warranty"> = (parameters, candidates) => {
  let longest: { days: number; candidate: Candidate } | null = null;
  for (const candidate of candidates) {
    if (!/warrant|guarantee|defect|remed|re-perform/.test(candidate.lower)) continue;
    for (const d of durations(candidate.normalized)) {
      if (
        !/warrant|period|from|after|following|delivery|acceptance|within|for/.test(
          d.context.toLowerCase(),
        )
      ) {
        continue;
      }
      const days = toDays(d);
      if (!longest || days > longest.days) longest = { days, candidate };
    }
  }
  const disclaimer = candidates.find((c) => NO_WARRANTY.test(c.lower));
  const result: CheckResult = {
    primary: longest?.candidate ?? disclaimer ?? candidates[0]!,
    differences: [],
    observations: [
      longest
        ? `the warranty lasts ${plural(longest.days, "day")}`
        : disclaimer
          ? "warranties are disclaimed"
          : "no warranty period was found",
    ],
    values: { warrantyDays: longest?.days ?? null },
  };
  if (parameters.minWarrantyDays !== undefined) {
    if (!longest) {
      result.differences.push({
        parameter: "minWarrantyDays",
        expected: parameters.minWarrantyDays,
        actual: null,
        message: `no warranty period was found; the playbook requires at least ${plural(parameters.minWarrantyDays, "day")}`,
      });
    } else if (longest.days < parameters.minWarrantyDays) {
      result.differences.push({
        parameter: "minWarrantyDays",
        expected: parameters.minWarrantyDays,
        actual: longest.days,
        message: `the warranty lasts ${plural(longest.days, "day")}, less than the ${plural(parameters.minWarrantyDays, "day")} the playbook requires`,
      });
    }
  }
  return result;
};
