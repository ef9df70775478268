import { sentences, type Candidate, type CheckResult, type ClauseCheck } from "./check.types.js";

const ADJECTIVES: Record<string, string> = {
  swiss: "Switzerland",
  french: "France",
  german: "Germany",
  english: "England and Wales",
  irish: "Ireland",
  dutch: "Netherlands",
  japanese: "Japan",
  spanish: "Spain",
  italian: "Italy",
  swedish: "Sweden",
  scottish: "Scotland",
  canadian: "Canada",
  australian: "Australia",
};

const NOT_A_PLACE = /^(?:this|the|any|such|agreement|united nations|contracts?)\b/i;

/** The jurisdiction whose law governs, as written: "New York", "England and Wales". */
export function jurisdictionOf(original: string): string | null {
  const named =
    /\blaws?\s+of\s+(?:the\s+)?(?:(?:State|Commonwealth|Province|Republic|Kingdom|Emirate)\s+of\s+)?([A-Z][A-Za-z]+(?:(?:\s+and|\s+of)?\s+[A-Z][A-Za-z]+){0,3})/g;
  for (const match of original.matchAll(named)) {
    const place = match[1]!.replace(
      /\s+(?:Without|Excluding|Applicable|And|Shall|Including)\b.*$/,
      "",
    );
    if (!NOT_A_PLACE.test(place)) return place;
  }
  const adjective =
    /\b(Swiss|French|German|English|Irish|Dutch|Japanese|Spanish|Italian|Swedish|Scottish|Canadian|Australian)\s+law\b/.exec(
      original,
    );
  if (adjective) return ADJECTIVES[adjective[1]!.toLowerCase()]!;
  return null;
}

function sameJurisdiction(found: string, allowed: string): boolean {
  const a = found.toLowerCase().replace(/^the\s+/, "");
  const b = allowed.toLowerCase().replace(/^(?:the\s+)?(?:state of\s+)?/, "");
  return (
    a === b || a.startsWith(`${b} `) || b.startsWith(`${a} `) || a.includes(b) || b.includes(a)
  );
}

export const checkGoverningLaw: ClauseCheck<"governing_law"> = (parameters, candidates) => {
  let found: { jurisdiction: string; candidate: Candidate } | null = null;
  for (const candidate of candidates) {
    if (!/govern|law|construed|jurisdiction/.test(candidate.lower)) continue;
    const jurisdiction = jurisdictionOf(candidate.original);
    if (jurisdiction) {
      found = { jurisdiction, candidate };
      break;
    }
  }
  const result: CheckResult = {
    primary: found?.candidate ?? candidates[0]!,
    differences: [],
    observations: [
      found
        ? `the agreement is governed by the law of ${found.jurisdiction}`
        : "no governing law was found",
    ],
    values: { jurisdiction: found?.jurisdiction ?? null },
  };
  const allowed = parameters.allowedJurisdictions;
  if (!found) {
    result.differences.push({
      parameter: "allowedJurisdictions",
      expected: allowed,
      actual: null,
      message: "the clause names no jurisdiction",
    });
  } else if (!allowed.some((a) => sameJurisdiction(found.jurisdiction, a))) {
    result.differences.push({
      parameter: "allowedJurisdictions",
      expected: allowed,
      actual: found.jurisdiction,
      message: `the law of ${found.jurisdiction} is not among the allowed jurisdictions (${allowed.join(", ")})`,
    });
  }
  return result;
};

const DPA =
  /data processing (?:agreement|addendum|terms|schedule)|\bdpa\b|article 28|business associate agreement/;

export const checkDataProtection: ClauseCheck<"data_protection"> = (parameters, candidates) => {
  const withDpa = candidates.find((c) => DPA.test(c.lower));
  const result: CheckResult = {
    primary: withDpa ?? candidates[0]!,
    differences: [],
    observations: [
      withDpa
        ? "a data processing agreement applies"
        : "no data processing agreement is referred to",
    ],
    values: { dpa: Boolean(withDpa) },
  };
  if (parameters.dpaRequired === true && !withDpa) {
    result.differences.push({
      parameter: "dpaRequired",
      expected: true,
      actual: false,
      message: "the playbook requires a data processing agreement (DPA), and none is referred to",
    });
  }
  return result;
};

const TRANSFER = /assign|transfer|novat|delegat/;
const RESTRICTION =
  /\b(?:may not|shall not|cannot|can not|will not|not be entitled|neither|no party|nor)\b|\bonly (?:with|upon)\b|\brequires?\b/;
const CONSENT = /consent|approval|permission|agreement of|agreed in writing/;
const FREE =
  /freely|without (?:the )?(?:need for |requiring )?(?:any |the )?(?:\w+'s |other party's |prior |written |\s)*(?:consent|approval|permission)|on (?:written )?notice|upon (?:written )?notice/;
const PERMITTED_EXCEPTION =
  /affiliate|successor|merger|acquisition|acquirer|reorgani[sz]ation|sale of (?:all|substantially)|parent company|group|financing|receive payment/;

export const checkAssignment: ClauseCheck<"assignment"> = (parameters, candidates) => {
  let consent: Candidate | undefined;
  let free: { candidate: Candidate; sentence: string } | undefined;
  for (const candidate of candidates) {
    for (const sentence of sentences(candidate.lower)) {
      if (!TRANSFER.test(sentence)) continue;
      if (RESTRICTION.test(sentence) && CONSENT.test(sentence)) consent ??= candidate;
      else if (/\bmay\b|entitled|right to|can\b/.test(sentence) && FREE.test(sentence)) {
        if (!PERMITTED_EXCEPTION.test(sentence)) free ??= { candidate, sentence };
      }
    }
  }
  const result: CheckResult = {
    primary: free?.candidate ?? consent ?? candidates[0]!,
    differences: [],
    observations: [
      free
        ? "a party may assign without the other's consent"
        : consent
          ? "assignment needs the other party's consent"
          : "no consent requirement for assignment was found",
    ],
    values: { consentRequired: Boolean(consent) && !free },
  };
  if (parameters.consentRequired === true && (free || !consent)) {
    result.differences.push({
      parameter: "consentRequired",
      expected: true,
      actual: false,
      message: free
        ? "the contract allows assignment without consent"
        : "the contract does not require consent to assign",
    });
  }
  if (parameters.consentRequired === false && consent && !free) {
    result.differences.push({
      parameter: "consentRequired",
      expected: false,
      actual: true,
      message: "the contract requires consent to assign, which the playbook does not want",
    });
  }
  return result;
};

const CUSTOMER = "customer|client|buyer|purchaser|owner|sponsor|employer|company";
const CUSTOMER_OWNS = new RegExp(
  [
    `vests? (?:in and be owned [^.]{0,40})?in (?:the )?(?:${CUSTOMER})`,
    `(?:owned|be the (?:sole and exclusive |exclusive |sole )?property) (?:exclusively |solely )?(?:by|of) (?:the )?(?:${CUSTOMER})`,
    `works? made for hire`,
    `assigns? to (?:the )?(?:${CUSTOMER})[^.]{0,40}(?:right|title|interest|copyright|intellectual)`,
    `ownership[^.]{0,80}pass(?:es)? to (?:the )?(?:${CUSTOMER})`,
    `(?:${CUSTOMER}) (?:shall |will )?owns?\\b[^.]{0,60}(?:deliverable|work product|copyright|design|intellectual)`,
    `(?:belong|belongs) to (?:the )?(?:${CUSTOMER})`,
  ].join("|"),
);
const PROVIDER =
  "provider|supplier|vendor|agency|contractor|developer|consultant|licensor|service provider";
const PROVIDER_OWNS = new RegExp(
  [
    `(?:${PROVIDER})[^.]{0,20}(?:shall |will )?(?:retains?|owns?)\\b[^.]{0,80}(?:deliverable|work product|custom|creative work|materials? (?:produced|created))`,
    `(?:deliverable|work product|custom development)s?[^.]{0,80}(?:belong|remain)s? (?:with |to )?(?:the )?(?:${PROVIDER})`,
    `(?:shall )?belong to the (?:${PROVIDER})`,
  ].join("|"),
);

export const checkIpOwnership: ClauseCheck<"ip_ownership"> = (parameters, candidates) => {
  const customer = candidates.find((c) => CUSTOMER_OWNS.test(c.lower));
  const provider = candidates.find((c) => PROVIDER_OWNS.test(c.lower));
  const customerOwns = Boolean(customer) && !(provider && !customer);
  const result: CheckResult = {
    primary: (customerOwns ? customer : provider) ?? candidates[0]!,
    differences: [],
    observations: [
      customer
        ? "the customer owns the deliverables"
        : provider
          ? "the provider keeps ownership of the deliverables"
          : "the contract does not say who owns the deliverables",
    ],
    values: { customerOwnsDeliverables: Boolean(customer) },
  };
  if (parameters.customerOwnsDeliverables === true && !customer) {
    result.differences.push({
      parameter: "customerOwnsDeliverables",
      expected: true,
      actual: false,
      message: "the playbook requires the customer to own the deliverables",
    });
  }
  if (parameters.customerOwnsDeliverables === false && customer) {
    result.differences.push({
      parameter: "customerOwnsDeliverables",
      expected: false,
      actual: true,
      message: "the customer owns the deliverables, which the playbook does not accept",
    });
  }
  return result;
};
