/**
 * Splits a contract's extracted text into clauses: numbered sections and sub-sections, headed
 * paragraphs and plain paragraphs, each with offsets into the text. Works on what the contracts
 * service extracts: DOCX paragraphs separated by blank lines, PDF lines with page breaks as
 * blank lines, or plain text.
 */

export interface Clause {
  /** Offsets into the extracted text: the whole clause, number and heading included. */
  start: number;
  end: number;
  /** Where the clause's own words begin (after its number and inline heading). */
  bodyStart: number;
  /** e.g. "10.2" */
  number: string | null;
  /** The inline heading, e.g. "Governing Law" in "15.2 Governing Law. This Agreement…". */
  heading: string | null;
  /** The heading of the section the clause sits in, e.g. "LIMITATION OF LIABILITY". */
  sectionHeading: string | null;
  /** The clause's words, whitespace collapsed. */
  body: string;
}

interface Line {
  text: string;
  start: number;
  end: number;
}

interface Block {
  lines: Line[];
  start: number;
  end: number;
  number: string | null;
}

const SECTION_NUMBER =
  /^(?:(?:section|clause|article)\s+)?(\d{1,3}(?:\.\d{1,3})*)(?:\.|\))?(?=\s+\S)|^(?:article|section)\s+([ivxlc]+)\b/i;
const LIST_MARKER = /^\(?(?:[a-z]|[ivx]{1,4})\)\s/;
const SENTENCE_END = /[.:;!?)"”]$/;

function lines(text: string): Line[] {
  const out: Line[] = [];
  let offset = 0;
  for (const raw of text.split("\n")) {
    const end = offset + raw.length;
    const leading = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    out.push({ text: trimmed, start: offset + leading, end: offset + leading + trimmed.length });
    offset = end + 1;
  }
  return out;
}

/** "10.2" of "10.2 Cap. …" when it reads as a section number, not a wrapped quantity. */
function sectionNumber(line: string): string | null {
  const match = SECTION_NUMBER.exec(line);
  if (!match) return null;
  if (match[2]) return match[2].toUpperCase();
  const number = match[1]!;
  const rest = line.slice(match[0].length).trimStart();
  // "12 months…" is a wrapped quantity; a section number has a dot or is followed by a capital.
  const dotted = /^(?:section|clause|article)\s/i.test(line) || /[.)]/.test(match[0]);
  if (!dotted && !/^[A-Z]/.test(rest)) return null;
  if (/^(?:days?|months?|years?|weeks?|%|percent|per cent)\b/i.test(rest)) return null;
  return number;
}

function isHeadingText(text: string): boolean {
  if (text.length === 0 || text.length > 90) return false;
  if (/[.;,:]$/.test(text) && !/^[A-Z0-9 .&-]+\.$/.test(text)) return false;
  const words = text.split(/\s+/);
  if (words.length > 10) return false;
  const letters = text.replace(/[^A-Za-z]/g, "");
  if (letters.length < 3) return false;
  if (letters === letters.toUpperCase()) return true;
  // Title Case: most words capitalised.
  const capitalised = words.filter((w) => /^[A-Z0-9(]/.test(w)).length;
  return capitalised / words.length >= 0.6;
}

function stripNumber(text: string): string {
  return text.replace(SECTION_NUMBER, "").replace(/^[.)]/, "").trimStart();
}

/** A line that is only a heading: "10. LIMITATION OF LIABILITY", "Governing Law". */
function isHeadingLine(text: string): boolean {
  const words = stripNumber(text);
  return isHeadingText(words) && !/[.;:,]$/.test(words);
}

/** Splits lines into blocks at blank lines, numbered sections and after heading lines. */
function blocks(text: string): Block[] {
  const out: Block[] = [];
  let current: Block | undefined;
  let previousMajor: number | undefined;
  for (const line of lines(text)) {
    if (line.text.length === 0) {
      current = undefined;
      continue;
    }
    let number = sectionNumber(line.text);
    if (number && /^\d/.test(number)) {
      const major = Number(number.split(".")[0]);
      // A number far from the previous section's is a quantity at a line start, not a section.
      if (previousMajor !== undefined && (major < previousMajor || major > previousMajor + 3)) {
        number = null;
      } else {
        previousMajor = major;
      }
    }
    const startsBlock =
      !current ||
      number !== null ||
      (current.lines.length === 1 && isHeadingLine(current.lines[0]!.text));
    if (startsBlock) {
      current = { lines: [line], start: line.start, end: line.end, number };
      out.push(current);
    } else {
      current!.lines.push(line);
      current!.end = line.end;
    }
  }
  return out;
}

function blockText(block: Block): string {
  return block.lines.map((l) => l.text).join(" ");
}

/** The inline heading of "Governing Law. This Agreement…" and where the words after it start. */
function inlineHeading(text: string): { heading: string; length: number } | null {
  const match = /^([A-Z][A-Za-z'’&\-/ ]{2,60}?|[A-Z][A-Z '’&\-/;]{2,60}?)[.:]\s+(?=\S)/.exec(text);
  if (!match) return null;
  const heading = match[1]!.trim();
  if (heading.split(/\s+/).length > 7) return null;
  if (!isHeadingText(heading)) return null;
  return { heading, length: match[0].length };
}

function major(number: string | null): string | null {
  return number ? number.split(".")[0]! : null;
}

/**
 * The clauses of a contract's text, in order. Headings alone on a line become the section
 * heading of the clauses that follow; list items ("(a) …") and text continued over a page break
 * join the clause they belong to.
 */
export function splitClauses(text: string): Clause[] {
  const clauses: Clause[] = [];
  let section: { heading: string; major: string | null } | null = null;
  for (const block of blocks(text)) {
    const raw = blockText(block);
    if (block.lines.length === 1 && isHeadingLine(raw)) {
      section = { heading: stripNumber(raw), major: major(block.number) };
      continue;
    }
    if (block.number && section) {
      const level = block.number.split(".").length;
      // A new top-level section, or a sub-section of another one, leaves the heading's scope.
      if (level === 1 || (section.major !== null && section.major !== major(block.number))) {
        section = null;
      }
    }
    const previous = clauses.at(-1);
    const continues =
      previous &&
      !block.number &&
      (LIST_MARKER.test(raw) || /^[a-z]/.test(raw) || !SENTENCE_END.test(previous.body));
    if (previous && continues) {
      previous.end = block.end;
      previous.body = `${previous.body} ${raw}`;
      continue;
    }
    const withoutNumber = block.number ? stripNumber(raw) : raw;
    const numberLength = raw.length - withoutNumber.length;
    const inline = inlineHeading(withoutNumber);
    const bodyOffset = numberLength + (inline?.length ?? 0);
    clauses.push({
      start: block.start,
      end: block.end,
      bodyStart: offsetInBlock(block, bodyOffset),
      number: block.number,
      heading: inline?.heading ?? null,
      sectionHeading: section?.heading ?? null,
      body: raw.slice(bodyOffset),
    });
  }
  return clauses;
}

/** Maps an offset in the block's joined text back to the extracted text. */
function offsetInBlock(block: Block, offset: number): number {
  let remaining = offset;
  for (const line of block.lines) {
    if (remaining <= line.text.length) return line.start + remaining;
    remaining -= line.text.length + 1;
  }
  return block.end;
}

/** What the classifier reads for a clause: its headings and its words. */
export function clauseClassifierText(clause: Clause): string {
  return [clause.sectionHeading, clause.heading, clause.body].filter(Boolean).join(". ");
}
