import { describe, expect, it } from "@jest/globals";
import { splitClauses } from "../src/engine/clause.splitter.js";
import type { PlaybookRule } from "../src/engine/playbook.rules.js";
import { durations, normalizeNumbers, parseNumberWords, toDays } from "../src/engine/quantities.js";
import { reviewText } from "../src/engine/review.engine.js";
import { standardRules } from "../src/engine/standard-playbook.js";
import {
  agreementPdfLikeText,
  agreementText,
  DEFAULT_EXPECTED,
  type AgreementTerms,
} from "./support/services-agreement.js";

function statuses(text: string, rules: PlaybookRule[] = standardRules()) {
  return Object.fromEntries(reviewText(text, rules).map((f) => [f.clauseType, f.status]));
}

describe("clause splitting", () => {
  it("splits numbered sections, keeps headings as context and offsets into the text", () => {
    const text = [
      "MASTER AGREEMENT",
      "",
      "1. PAYMENT",
      "",
      "1.1 Invoices. Customer shall pay within thirty (30) days.",
      "",
      "1.2 Late fees apply.",
      "",
      "Governing Law",
      "",
      "This Agreement is governed by the laws of Delaware.",
    ].join("\n");
    const clauses = splitClauses(text);
    expect(clauses.map((c) => c.number)).toEqual(["1.1", "1.2", null]);
    expect(clauses[0]).toMatchObject({ heading: "Invoices", sectionHeading: "PAYMENT" });
    expect(clauses[2]).toMatchObject({ sectionHeading: "Governing Law" });
    for (const clause of clauses) {
      expect(text.slice(clause.bodyStart, clause.end)).toBe(clause.body);
    }
    expect(text.slice(clauses[0]!.start, clauses[0]!.end)).toBe(
      "1.1 Invoices. Customer shall pay within thirty (30) days.",
    );
  });

  it("joins lines a PDF wrapped, list items and text continued over a page break", () => {
    const text = [
      "4.1 Customer shall pay each invoice within",
      "60 days of the invoice date, and the",
      "12 months cap is not a section number.",
      "(a) a list item stays with its clause;",
      "",
      "and so does text after a page break.",
      "4.2 Next clause.",
    ].join("\n");
    const clauses = splitClauses(text);
    expect(clauses).toHaveLength(2);
    expect(clauses[0]!.body).toContain("60 days of the invoice date");
    expect(clauses[0]!.body).toContain("after a page break");
    expect(clauses[1]!.number).toBe("4.2");
  });
});

describe("reading quantities", () => {
  it("reads number words, digits in brackets and units", () => {
    expect(parseNumberWords("one hundred and twenty")).toBe(120);
    expect(parseNumberWords("forty-five")).toBe(45);
    expect(normalizeNumbers("within thirty (30) days")).toBe("within 30 days");
    const [notice] = durations(normalizeNumbers("on three months' notice"));
    expect(notice).toMatchObject({ value: 3, unit: "month" });
    expect(toDays(notice!)).toBe(90);
    expect(toDays(durations("10 business days")[0]!)).toBe(14);
    expect(durations("a 30-day notice and 5 - working - days")).toMatchObject([
      { value: 30, unit: "day", businessDays: false },
      { value: 5, unit: "day", businessDays: true },
    ]);
  });

  it("reads a hostile run of hyphens in linear time (it used to take minutes: backtracking)", () => {
    // Quadratic matching of this would take far longer than the test's time limit.
    const hostile = `30${"-".repeat(1_000_000)}x and 2 years`;
    expect(durations(hostile)).toMatchObject([{ value: 2, unit: "year" }]);
  });
});

describe("the built-in review of a services agreement against the standard playbook", () => {
  it("gives the expected status for every rule (text as extracted from a DOCX)", () => {
    expect(statuses(agreementText())).toEqual(DEFAULT_EXPECTED);
  });

  it("gives the same statuses for the text of a PDF (wrapped lines, page breaks)", () => {
    expect(statuses(agreementPdfLikeText())).toEqual(DEFAULT_EXPECTED);
  });

  const flips: [string, Partial<AgreementTerms>][] = [
    ["governing_law", { governingLaw: "the State of Texas" }],
    ["payment_terms", { paymentDays: 30 }],
    ["limitation_of_liability", { liabilityCapMonths: 24 }],
    ["confidentiality", { confidentialityYears: 2 }],
    ["non_solicitation", { nonSolicitationMonths: 24 }],
    ["warranty", { warrantyDays: 30 }],
    ["termination_for_convenience", { convenienceNoticeDays: 15 }],
    ["auto_renewal", { renewalOptOutDays: 15 }],
    ["data_protection", { dataProtection: true }],
    ["assignment", { freeAssignment: true }],
    ["indemnification", { oneSidedIndemnity: true }],
    ["ip_ownership", { providerOwnsDeliverables: true }],
  ];
  it.each(flips)("changing the %s clause flips exactly that rule's finding", (type, change) => {
    for (const text of [agreementText(change), agreementPdfLikeText(change)]) {
      const changed = Object.entries(statuses(text)).filter(
        ([clauseType, status]) => DEFAULT_EXPECTED[clauseType] !== status,
      );
      expect(changed.map(([clauseType]) => clauseType)).toEqual([type]);
    }
  });

  it("locates each finding in the extracted text and explains it", () => {
    const text = agreementText({ governingLaw: "the State of Texas" });
    const findings = reviewText(text, standardRules());
    const law = findings.find((f) => f.clauseType === "governing_law")!;
    expect(law.status).toBe("deviation");
    expect(text.slice(law.location.start, law.location.end)).toBe(law.excerpt);
    expect(law.excerpt).toContain("the laws of the State of Texas");
    expect(law.explanation).toContain("Texas");
    expect(law.suggestion).toContain("State of New York");
    expect(law.details.differences[0]).toMatchObject({
      parameter: "allowedJurisdictions",
      actual: "Texas",
    });
    const payment = findings.find((f) => f.clauseType === "payment_terms")!;
    expect(payment.details.values).toEqual({ netDays: 60 });
    expect(payment.explanation).toMatch(/60 days.*45 days/);
    const missing = findings.find((f) => f.status === "missing")!;
    expect(missing).toMatchObject({
      excerpt: "",
      location: { start: text.length, end: text.length },
    });
    expect(missing.suggestion).toContain("data processing agreement");
    for (const compliant of findings.filter((f) => f.status === "compliant")) {
      expect(compliant.suggestion).toBeNull();
      expect(text.slice(compliant.location.start, compliant.location.end)).toBe(compliant.excerpt);
    }
  });

  it("treats a prohibited clause that is present as a deviation, and an absent one as compliant", () => {
    const rule = (clauseType: PlaybookRule["clauseType"]): PlaybookRule => ({
      id: clauseType,
      title: `No ${clauseType}`,
      clauseType,
      requirement: "prohibited",
      severity: "low",
      parameters: {},
      preferredText: null,
      fallbackText: null,
    });
    const findings = reviewText(agreementText(), [
      rule("non_solicitation"),
      rule("data_protection"),
    ]);
    expect(findings.map((f) => f.status)).toEqual(["deviation", "compliant"]);
    expect(findings[0]!.excerpt).toContain("solicit");
  });

  it("reviews a contract with nothing in it: every required clause is missing", () => {
    const findings = reviewText("", standardRules());
    expect(new Set(findings.map((f) => f.status))).toEqual(new Set(["missing"]));
  });
});
