import { PDFDocument, StandardFonts, type PDFFont } from "pdf-lib";
import { buildDocx, DOCX_MIME_TYPE } from "./docx.writer.js";
import { paragraphRanges, paragraphText } from "./paragraphs.js";

export const CONVERSION_FORMATS = ["pdf", "docx", "txt"] as const;
export type ConversionFormat = (typeof CONVERSION_FORMATS)[number];

export const MIME_TYPES: Record<ConversionFormat, string> = {
  pdf: "application/pdf",
  docx: DOCX_MIME_TYPE,
  txt: "text/plain; charset=utf-8",
};

const HEADING = /^(?:\d{1,3}\.\s+)?[^a-z]{3,90}$/;

function paragraphsOf(text: string): { text: string; heading: boolean }[] {
  return paragraphRanges(text).map((range) => {
    const words = paragraphText(text, range);
    return { text: words, heading: HEADING.test(words) };
  });
}

export function renderText(text: string): Buffer {
  return Buffer.from(text.endsWith("\n") ? text : `${text}\n`, "utf8");
}

export function renderDocx(title: string, text: string, date: Date): Buffer {
  return buildDocx({
    title,
    paragraphs: paragraphsOf(text).map((p) => ({
      runs: [{ kind: "text", text: p.text }],
      heading: p.heading,
    })),
    revision: { author: "Clment", date: date.toISOString().replace(/\.\d{3}Z$/, "Z") },
  });
}

/** The standard PDF fonts encode WinAnsi only: anything else becomes a close ASCII or "?". */
function encodable(font: PDFFont, text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, "-")
    .replace(/\u2026/g, "...")
    .replace(/\t/g, " ");
  let out = "";
  for (const char of folded) {
    try {
      font.encodeText(char);
      out += char;
    } catch {
      out += "?";
    }
  }
  return out;
}

/** A word wider than the line, cut by character width into pieces that each fit a line. */
function split(font: PDFFont, size: number, word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const char of word) {
    if (piece && font.widthOfTextAtSize(piece + char, size) > width) {
      pieces.push(piece);
      piece = char;
    } else {
      piece += char;
    }
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** The lines of a paragraph: words wrapped at the line width, a word wider than a line split. */
function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    const pieces = split(font, size, word, width);
    lines.push(...pieces.slice(0, -1));
    line = pieces.at(-1)!;
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [""];
}

/** A plain, paginated PDF of the text: paragraphs kept, headings in bold, US Letter. */
export async function renderPdf(title: string, text: string, date: Date): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  pdf.setProducer("Clment");
  pdf.setCreationDate(date);
  pdf.setModificationDate(date);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const size = 11;
  const leading = 14;
  const margin = 72;
  const [pageWidth, pageHeight] = [612, 792];
  let page = pdf.addPage([pageWidth, pageHeight]);
  let y = pageHeight - margin;
  for (const paragraph of paragraphsOf(text)) {
    const font = paragraph.heading ? bold : regular;
    for (const line of wrap(font, size, encodable(font, paragraph.text), pageWidth - 2 * margin)) {
      if (y < margin + leading) {
        page = pdf.addPage([pageWidth, pageHeight]);
        y = pageHeight - margin;
      }
      page.drawText(line, { x: margin, y, size, font });
      y -= leading;
    }
    y -= leading / 2;
  }
  return Buffer.from(await pdf.save());
}

export async function render(
  format: ConversionFormat,
  title: string,
  text: string,
  date: Date,
): Promise<Buffer> {
  switch (format) {
    case "txt":
      return renderText(text);
    case "docx":
      return renderDocx(title, text, date);
    case "pdf":
      return renderPdf(title, text, date);
  }
}
