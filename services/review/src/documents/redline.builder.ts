import { buildDocx, type DocxParagraph, type Revision, type Run } from "./docx.writer.js";
import { paragraphRanges } from "./paragraphs.js";

/** What a redline needs from a finding. */
export interface RedlineFinding {
  status: "compliant" | "deviation" | "missing";
  location: { start: number; end: number };
  suggestion: string | null;
}

export const REDLINE_AUTHOR = "Clment";

interface Change {
  start: number;
  end: number;
  suggestion: string;
  inserted: boolean;
}

const HEADING = /^(?:\d{1,3}\.\s+)?[^a-z]{3,90}$/;

/** Deviations with a suggestion, in order, without overlaps (the first one wins). */
function changesOf(findings: readonly RedlineFinding[], textLength: number): Change[] {
  const candidates = findings
    .filter((f) => f.status === "deviation" && f.suggestion && f.location.end > f.location.start)
    .map((f) => ({
      start: Math.max(0, f.location.start),
      end: Math.min(textLength, f.location.end),
      suggestion: f.suggestion!,
      inserted: false,
    }))
    .filter((c) => c.end > c.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const changes: Change[] = [];
  for (const change of candidates) {
    const previous = changes.at(-1);
    if (previous && change.start < previous.end) continue;
    changes.push(change);
  }
  return changes;
}

/** The contract's text as a line of a paragraph: PDF line breaks inside it become spaces. */
function flat(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

/**
 * The paragraphs of a redline: the contract's text with every deviation that has a suggestion
 * as a tracked change (the original words deleted, the suggested words inserted), and each
 * missing clause's suggestion as an inserted paragraph at the end. Other text is unchanged.
 */
export function redlineParagraphs(
  text: string,
  findings: readonly RedlineFinding[],
): { paragraphs: DocxParagraph[]; changes: number } {
  const changes = changesOf(findings, text.length);
  const paragraphs: DocxParagraph[] = [];
  for (const range of paragraphRanges(text)) {
    const runs: Run[] = [];
    let cursor = range.start;
    let markDeleted = false;
    for (const change of changes) {
      if (change.end <= range.start || change.start >= range.end) continue;
      const from = Math.max(change.start, range.start);
      const to = Math.min(change.end, range.end);
      if (from > cursor) runs.push({ kind: "text", text: flat(text.slice(cursor, from)) });
      runs.push({ kind: "delete", text: flat(text.slice(from, to)) });
      if (!change.inserted) {
        runs.push({ kind: "insert", text: change.suggestion });
        change.inserted = true;
      }
      cursor = to;
      if (change.end > range.end) markDeleted = true;
    }
    if (cursor < range.end) runs.push({ kind: "text", text: flat(text.slice(cursor, range.end)) });
    const whole = text.slice(range.start, range.end);
    paragraphs.push({
      runs,
      heading: !whole.includes("\n") && HEADING.test(whole.trim()),
      ...(markDeleted ? { markDeleted } : {}),
    });
  }
  let inserted = 0;
  for (const finding of findings) {
    if (finding.status !== "missing" || !finding.suggestion) continue;
    paragraphs.push({ runs: [{ kind: "insert", text: finding.suggestion }], inserted: true });
    inserted++;
  }
  return { paragraphs, changes: changes.length + inserted };
}

export function buildRedlineDocx(options: {
  title: string;
  text: string;
  findings: readonly RedlineFinding[];
  date: Date;
}): { document: Buffer; changes: number } {
  const { paragraphs, changes } = redlineParagraphs(options.text, options.findings);
  const revision: Revision = {
    author: REDLINE_AUTHOR,
    date: options.date.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  return { document: buildDocx({ title: options.title, paragraphs, revision }), changes };
}
