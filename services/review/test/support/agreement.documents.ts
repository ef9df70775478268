import { Document, Packer, Paragraph, TextRun } from "docx";
import mammoth from "mammoth";
import { PDFDocument, StandardFonts } from "pdf-lib";
import {
  agreementParagraphs,
  servicesAgreement,
  type AgreementTerms,
} from "./services-agreement.js";

/** The agreement as a Word document, made with the `docx` library (one paragraph per clause). */
export async function agreementDocx(terms: Partial<AgreementTerms> = {}): Promise<Buffer> {
  const document = new Document({
    sections: [
      {
        children: agreementParagraphs(servicesAgreement(terms)).map(
          (p) => new Paragraph({ children: [new TextRun({ text: p.text, bold: p.heading })] }),
        ),
      },
    ],
  });
  return Packer.toBuffer(document);
}

/** The agreement as a PDF, made with pdf-lib: wrapped lines, headings in bold, US Letter pages. */
export async function agreementPdf(terms: Partial<AgreementTerms> = {}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.TimesRoman);
  const bold = await pdf.embedFont(StandardFonts.TimesRomanBold);
  const size = 12;
  const leading = 15;
  const margin = 72;
  const width = 612 - 2 * margin;
  let page = pdf.addPage([612, 792]);
  let y = 792 - margin;
  for (const paragraph of agreementParagraphs(servicesAgreement(terms))) {
    const font = paragraph.heading ? bold : regular;
    const lines: string[] = [];
    let line = "";
    for (const word of paragraph.text.split(" ")) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && font.widthOfTextAtSize(candidate, size) > width) {
        lines.push(line);
        line = word;
      } else line = candidate;
    }
    lines.push(line);
    for (const text of lines) {
      if (y < margin) {
        page = pdf.addPage([612, 792]);
        y = 792 - margin;
      }
      page.drawText(text, { x: margin, y, size, font });
      y -= leading;
    }
    y -= leading * 0.6;
  }
  return Buffer.from(await pdf.save());
}

/** The text of a DOCX as Word shows it with every tracked change accepted (mammoth). */
export async function acceptedText(docx: Buffer): Promise<string> {
  return (await mammoth.extractRawText({ buffer: docx })).value;
}
