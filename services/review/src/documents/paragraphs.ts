/**
 * Paragraphs of an extracted text, as offsets. A paragraph ends at a blank line, unless a PDF's
 * text plainly runs on (a page break in mid-sentence), and at a single line break when the
 * next line starts a numbered section or the line is a heading. PDF text wraps lines inside a
 * paragraph; those breaks become spaces.
 */
export interface ParagraphRange {
  start: number;
  end: number;
}

const SECTION_START =
  /^\s*(?:(?:[Ss]ection|[Aa]rticle|[Cc]lause|SECTION|ARTICLE|CLAUSE)\s+)?\d{1,3}(?:\.\d{1,3})*(?:[.)]\s+\S|\s+[A-Z])/;
const HEADING = /^[^a-z]{3,90}$/;
const SENTENCE_END = /[.:;!?)"”]$/;

function startsSection(line: string): boolean {
  return SECTION_START.test(line) && !/^\s*\d+\s+(?:days?|months?|years?|weeks?|%)/i.test(line);
}

function isHeading(line: string): boolean {
  return HEADING.test(line.trim());
}

export function paragraphRanges(text: string): ParagraphRange[] {
  const lines = text.split("\n");
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  // Text with single line breaks inside paragraphs is a PDF's: its blank lines are page breaks,
  // which a sentence may run over. In a DOCX's text every paragraph ends at a blank line.
  const wrapsLines = /[^\n]\n[^\n]/.test(text);
  const ranges: ParagraphRange[] = [];
  let start: number | null = null;
  let lastText = "";
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === "") return;
    const runsOn =
      wrapsLines &&
      start !== null &&
      !SENTENCE_END.test(lastText) &&
      !isHeading(lastText) &&
      !startsSection(trimmed) &&
      !isHeading(trimmed);
    const previousBlank = index > 0 && lines[index - 1]!.trim() === "";
    const breaks =
      start === null ||
      (previousBlank
        ? !runsOn
        : startsSection(trimmed) || isHeading(lastText) || isHeading(trimmed));
    if (breaks && start !== null) {
      ranges.push(trimRange(text, start, lastEnd(index)));
      start = null;
    }
    if (start === null) start = starts[index]!;
    lastText = trimmed;
  });
  if (start !== null) ranges.push(trimRange(text, start, text.length));
  return ranges;

  /** The end of the last non-blank line before line `index`. */
  function lastEnd(index: number): number {
    let i = index - 1;
    while (i > 0 && lines[i]!.trim() === "") i--;
    return starts[i]! + lines[i]!.length;
  }
}

function trimRange(text: string, start: number, end: number): ParagraphRange {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s]!)) s++;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  return { start: s, end: e };
}

/** The paragraph's words as one line: the line breaks a PDF wrapped it with become spaces. */
export function paragraphText(text: string, range: ParagraphRange): string {
  return text.slice(range.start, range.end).replace(/\s*\n\s*/g, " ");
}
