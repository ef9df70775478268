/**
 * Reading quantities out of contract prose: "thirty (30) days", "net 45", "one year",
 * "twelve-month period", "six months' notice".
 */

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  a: 1,
  an: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const NUMBER_WORD = new RegExp(
  `\\b(?:${[...Object.keys(UNITS).filter((w) => w.length > 2), ...Object.keys(TENS), "hundred", "thousand"].join("|")})(?:(?:[\\s-]+(?:and[\\s-]+)?)(?:${[...Object.keys(UNITS).filter((w) => w.length > 2), ...Object.keys(TENS), "hundred", "thousand"].join("|")}))*\\b`,
  "gi",
);

/** "one hundred and twenty" → 120. */
export function parseNumberWords(words: string): number | null {
  let total = 0;
  let current = 0;
  let seen = false;
  for (const word of words.toLowerCase().split(/[\s-]+/)) {
    if (word === "and" || word === "") continue;
    if (word in UNITS) current += UNITS[word]!;
    else if (word in TENS) current += TENS[word]!;
    else if (word === "hundred") current = (current || 1) * 100;
    else if (word === "thousand") {
      total += (current || 1) * 1000;
      current = 0;
    } else return null;
    seen = true;
  }
  return seen ? total + current : null;
}

/**
 * Rewrites number words as digits and folds "thirty (30)" into "30", so the patterns below see
 * one number each. Only for reading values: offsets into the original text are not kept.
 */
export function normalizeNumbers(text: string): string {
  return text
    .replace(/\u2019/g, "'")
    .replace(NUMBER_WORD, (words) => String(parseNumberWords(words) ?? words))
    .replace(/\b(\d+(?:\.\d+)?)\s*\(\s*\d+(?:\.\d+)?\s*\)/g, "$1")
    .replace(/\b(?:a|an|one)\s+(year|month|week|quarter)\b/gi, "1 $1")
    .replace(/\s+/g, " ");
}

export type DurationUnit = "day" | "week" | "month" | "quarter" | "year";

export interface Duration {
  value: number;
  unit: DurationUnit;
  businessDays: boolean;
  /** Where in the normalized text it was found. */
  index: number;
  /** The normalized text around it. */
  context: string;
}

// One separator run before the optional qualifier and one after it, never two runs back to back:
// `[\s-]*(…)?[\s-]*` let a long run of hyphens split between the two in quadratically many ways
// (a document of hyphens froze the worker). Separators are bounded too.
const DURATION =
  /\b(\d+(?:\.\d+)?)[\s-]{0,3}(?:(business|calendar|working)[\s-]{0,3})?(days?|weeks?|months?|quarters?|years?)\b(?:'|'s)?/gi;

/** Every duration in normalized text, in order. */
export function durations(normalized: string): Duration[] {
  const out: Duration[] = [];
  for (const match of normalized.matchAll(DURATION)) {
    const unit = match[3]!.toLowerCase().replace(/s$/, "") as DurationUnit;
    const index = match.index ?? 0;
    out.push({
      value: Number(match[1]),
      unit,
      businessDays: /business|working/i.test(match[2] ?? ""),
      index,
      context: normalized.slice(Math.max(0, index - 80), index + match[0].length + 80),
    });
  }
  return out;
}

export function toDays(duration: Duration): number {
  switch (duration.unit) {
    case "day":
      return duration.businessDays ? Math.ceil((duration.value * 7) / 5) : duration.value;
    case "week":
      return duration.value * 7;
    case "month":
      return duration.value * 30;
    case "quarter":
      return duration.value * 91;
    case "year":
      return duration.value * 365;
  }
}

export function toMonths(duration: Duration): number {
  switch (duration.unit) {
    case "day":
      return Math.round((toDays(duration) / 30) * 10) / 10;
    case "week":
      return Math.round(((duration.value * 7) / 30) * 10) / 10;
    case "month":
      return duration.value;
    case "quarter":
      return duration.value * 3;
    case "year":
      return duration.value * 12;
  }
}

export function toYears(duration: Duration): number {
  return duration.unit === "year"
    ? duration.value
    : Math.round((toMonths(duration) / 12) * 100) / 100;
}

/** "net 45" payment terms. */
export function netDays(normalized: string): number[] {
  return [...normalized.matchAll(/\bnet\s*(\d+)\b/gi)].map((m) => Number(m[1]));
}
