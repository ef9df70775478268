import * as chrono from "chrono-node";
import type { KeyDateKind } from "../data/db.js";

export interface FoundKeyDate {
  kind: Exclude<KeyDateKind, "custom">;
  /** YYYY-MM-DD */
  date: string;
  title: string;
  /** The sentence the date was found in. */
  excerpt: string;
}

/**
 * Words that say what a date is for, most specific first: "renews on 1 May unless notice is
 * given by 1 March" is a renewal date and a notice date, each decided by its own clause.
 */
const KINDS: { kind: FoundKeyDate["kind"]; title: string; pattern: RegExp }[] = [
  {
    kind: "notice",
    title: "Notice deadline",
    pattern: /\bnotice\b|\bnotif(y|ied|ication)\b|\bopt[- ]out\b/i,
  },
  { kind: "renewal", title: "Renewal date", pattern: /\brenew(s|al|ed|ing)?\b|\bextend(s|ed)?\b/i },
  {
    kind: "expiration",
    title: "Expiration date",
    pattern:
      /\bexpir(e|es|y|ation|ing)\b|\bterminat(e|es|ion)\b|\bend(s|ing)? on\b|\bend date\b|\buntil\b/i,
  },
  {
    kind: "payment",
    title: "Payment due",
    pattern: /\bpay(able|ment|ments)?\b|\binvoice(s|d)?\b|\bfees?\b|\bdue\b/i,
  },
  {
    kind: "effective",
    title: "Effective date",
    pattern: /\beffective\b|\bcommenc(e|es|ement)\b|\bstart(s|ing)?\b|\bentered into\b|\bdated\b/i,
  },
];

const MAX_FOUND = 50;
/** Key dates sit in a contract's terms, not in page 400 of its annexes: the scan stops here. */
const MAX_SCANNED_CHARS = 500_000;
const MAX_EXCERPT = 500;

/** Sentences (or lines: documents are full of headings and list items without a full stop). */
function sentences(text: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  const pattern = /[^.!?;\n]+(?:[.!?;](?=\s|$)|\n|$)/g;
  // Abbreviations and decimals ("No. 5", "1.5") split a sentence early; harmless here, the
  // clause before a date is what decides its kind.
  for (const match of text.matchAll(pattern)) {
    const sentence = match[0].trim();
    if (sentence.length > 0) out.push({ text: sentence, offset: match.index });
  }
  return out;
}

function kindOf(clause: string): (typeof KINDS)[number] | undefined {
  return KINDS.find((k) => k.pattern.test(clause));
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Dates a contract's text mentions, each with the kind its sentence gives it: the clause just
 * before the date decides first ("…unless notice is given by <date>"), else the whole sentence.
 * Only complete calendar dates count (a day, a month and a year), so "within 30 days" or
 * "every March" are not offered.
 */
export function findKeyDates(text: string, reference: Date): FoundKeyDate[] {
  const found = new Map<string, FoundKeyDate>();
  for (const sentence of sentences(text.slice(0, MAX_SCANNED_CHARS))) {
    if (!/\d/.test(sentence.text)) continue;
    const results = chrono.strict.parse(sentence.text, reference);
    let clauseStart = 0;
    for (const result of results) {
      const start = result.start;
      // A written date names its year ("1 May 2027", "05/01/2027"); "in 30 days" does not.
      if (!/\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}/.test(result.text)) continue;
      if (!start.isCertain("day") || !start.isCertain("month") || !start.isCertain("year")) {
        continue;
      }
      const year = start.get("year")!;
      if (year < 1900 || year > 2200) continue;
      const clause = sentence.text.slice(clauseStart, result.index);
      clauseStart = result.index + result.text.length;
      const kind = kindOf(clause) ?? kindOf(sentence.text);
      if (!kind) continue;
      const date = isoDate(year, start.get("month")!, start.get("day")!);
      const key = `${kind.kind}|${date}`;
      if (found.has(key)) continue;
      found.set(key, {
        kind: kind.kind,
        date,
        title: kind.title,
        excerpt: sentence.text.slice(0, MAX_EXCERPT),
      });
      if (found.size >= MAX_FOUND) return [...found.values()];
    }
  }
  return [...found.values()];
}
