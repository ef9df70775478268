import { describe, expect, it } from "@jest/globals";
import { XMLParser } from "fast-xml-parser";
import { unzipSync, strFromU8 } from "fflate";
import mammoth from "mammoth";
import { PDFDocument } from "pdf-lib";
import { render } from "../src/documents/conversion.renderers.js";
import { buildRedlineDocx, REDLINE_AUTHOR } from "../src/documents/redline.builder.js";
import { reviewText } from "../src/engine/review.engine.js";
import { standardRules } from "../src/engine/standard-playbook.js";
import { agreementPdfLikeText, agreementText } from "./support/services-agreement.js";

const DATE = new Date("2026-03-02T10:00:00Z");

/** The parts of a DOCX: the zip's files as text. */
function unzipDocx(docx: Buffer): Record<string, string> {
  const files = unzipSync(new Uint8Array(docx));
  return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, strFromU8(bytes)]));
}

interface TrackedChange {
  kind: "ins" | "del";
  author: string;
  date: string;
  text: string;
}

/** Every w:ins and w:del of word/document.xml, with its author, date and text. */
function trackedChanges(documentXml: string): TrackedChange[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    preserveOrder: true,
    trimValues: false,
  });
  const changes: TrackedChange[] = [];
  const textOf = (nodes: any[]): string =>
    nodes
      .map((node) => {
        if ("#text" in node) return String(node["#text"]);
        const key = Object.keys(node).find((k) => k !== ":@")!;
        return Array.isArray(node[key]) ? textOf(node[key]) : "";
      })
      .join("");
  const walk = (nodes: any[]) => {
    for (const node of nodes) {
      const key = Object.keys(node).find((k) => k !== ":@");
      if (!key || key === "#text") continue;
      const children = node[key] as any[];
      if ((key === "w:ins" || key === "w:del") && children.length > 0) {
        changes.push({
          kind: key === "w:ins" ? "ins" : "del",
          author: node[":@"]["@_w:author"],
          date: node[":@"]["@_w:date"],
          text: textOf(children),
        });
        continue;
      }
      walk(children);
    }
  };
  walk(parser.parse(documentXml));
  return changes;
}

describe("redlines", () => {
  const text = agreementText({ governingLaw: "the State of Texas" });
  const findings = reviewText(text, standardRules());

  it("makes every deviation with a suggestion a tracked change by Clment, dated", () => {
    const { document, changes } = buildRedlineDocx({ title: "MSA", text, findings, date: DATE });
    const parts = unzipDocx(document);
    expect(Object.keys(parts)).toEqual(
      expect.arrayContaining(["[Content_Types].xml", "word/document.xml", "_rels/.rels"]),
    );
    expect(parts["word/settings.xml"]).toContain("<w:trackRevisions/>");
    const tracked = trackedChanges(parts["word/document.xml"]!);
    const deviations = findings.filter((f) => f.status === "deviation" && f.suggestion);
    const missing = findings.filter((f) => f.status === "missing" && f.suggestion);
    expect(deviations.map((f) => f.clauseType).sort()).toEqual(["governing_law", "payment_terms"]);
    expect(changes).toBe(deviations.length + missing.length);
    for (const change of tracked) {
      expect(change.author).toBe(REDLINE_AUTHOR);
      expect(change.date).toBe("2026-03-02T10:00:00Z");
    }
    const deleted = tracked.filter((c) => c.kind === "del").map((c) => c.text);
    const inserted = tracked.filter((c) => c.kind === "ins").map((c) => c.text);
    for (const deviation of deviations) {
      expect(deleted).toContain(deviation.excerpt);
      expect(inserted).toContain(deviation.suggestion);
    }
    for (const clause of missing) expect(inserted).toContain(clause.suggestion);
  });

  it("reads, with the changes accepted, as the contract with the suggestions and nothing else changed", async () => {
    const { document } = buildRedlineDocx({ title: "MSA", text, findings, date: DATE });
    const accepted = (await mammoth.extractRawText({ buffer: document })).value;
    const law = findings.find((f) => f.clauseType === "governing_law")!;
    const payment = findings.find((f) => f.clauseType === "payment_terms")!;
    expect(accepted).not.toContain("the laws of the State of Texas");
    expect(accepted).toContain(law.suggestion!);
    expect(accepted).toContain(payment.suggestion!);
    expect(accepted).not.toContain("within sixty (60) days");
    // Every other paragraph is as it was.
    const expected = text
      .replace(law.excerpt, law.suggestion!)
      .replace(payment.excerpt, payment.suggestion!);
    const paragraphs = (value: string) =>
      value
        .split(/\n+/)
        .map((p) => p.trim())
        .filter(Boolean);
    const added = findings.filter((f) => f.status === "missing").map((f) => f.suggestion!);
    expect(paragraphs(accepted)).toEqual([...paragraphs(expected), ...added]);
  });

  it("works on PDF text too, where paragraphs wrap over lines", async () => {
    const pdfText = agreementPdfLikeText({ governingLaw: "the State of Texas" });
    const pdfFindings = reviewText(pdfText, standardRules());
    const { document } = buildRedlineDocx({
      title: "MSA",
      text: pdfText,
      findings: pdfFindings,
      date: DATE,
    });
    const accepted = (await mammoth.extractRawText({ buffer: document })).value;
    expect(accepted).toContain(
      pdfFindings.find((f) => f.clauseType === "governing_law")!.suggestion!,
    );
    expect(accepted).not.toContain("State of Texas");
    expect(accepted).toContain("4.1 Fees. Customer shall pay the fees set out in Schedule 3");
  });

  it("changes nothing when nothing deviates", () => {
    const { document, changes } = buildRedlineDocx({
      title: "MSA",
      text,
      findings: findings.filter((f) => f.status === "compliant"),
      date: DATE,
    });
    expect(changes).toBe(0);
    expect(trackedChanges(unzipDocx(document)["word/document.xml"]!)).toEqual([]);
  });
});

describe("conversions", () => {
  const text = agreementText();
  const paragraphs = (value: string) =>
    value
      .split(/\n+/)
      .map((p) => p.trim())
      .filter(Boolean);

  it("converts to plain text as extracted", async () => {
    expect((await render("txt", "MSA", text, DATE)).toString("utf8")).toBe(`${text}\n`);
  });

  it("converts to a DOCX that keeps the text and paragraphs", async () => {
    const docx = await render("docx", "MSA", text, DATE);
    const extracted = (await mammoth.extractRawText({ buffer: docx })).value;
    expect(paragraphs(extracted)).toEqual(paragraphs(text));
  });

  it("converts to a paginated PDF whose text layer keeps the words", async () => {
    const pdf = await render("pdf", "MSA", text, DATE);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const loaded = await PDFDocument.load(pdf);
    expect(loaded.getPageCount()).toBeGreaterThanOrEqual(5);
    const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
    const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
    let extracted = "";
    for (let page = 1; page <= document.numPages; page++) {
      const content = await (await document.getPage(page)).getTextContent();
      extracted += content.items.map((item) => ("str" in item ? item.str : "")).join(" ") + " ";
    }
    await document.destroy();
    const words = (value: string) => value.split(/\s+/).filter(Boolean).join(" ");
    expect(words(extracted)).toContain(
      words("4.2 Invoicing and Payment. Provider shall invoice Customer monthly in arrears."),
    );
    expect(words(extracted)).toContain("Contoso Retail Ltd.");
  });

  it("replaces characters the PDF fonts cannot draw instead of failing", async () => {
    const pdf = await render("pdf", "MSA", "Parties: Zoë “Ltd” — 東京 ✓\n\nEnd.", DATE);
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
  });
});
