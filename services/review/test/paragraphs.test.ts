import { describe, expect, it } from "@jest/globals";
import { paragraphRanges, paragraphText } from "../src/documents/paragraphs.js";

const paragraphs = (text: string) => paragraphRanges(text).map((r) => paragraphText(text, r));

describe("paragraphs of extracted text", () => {
  it("separates paragraphs at blank lines (DOCX text)", () => {
    expect(paragraphs("1. TERMS\n\n1.1 First.\n\n1.2 Second.")).toEqual([
      "1. TERMS",
      "1.1 First.",
      "1.2 Second.",
    ]);
  });

  it("joins the lines a PDF wrapped and breaks at sections and headings", () => {
    const text = "4. FEES\n4.1 Customer shall pay\nwithin 30 days.\n4.2 Taxes are\nextra.";
    expect(paragraphs(text)).toEqual([
      "4. FEES",
      "4.1 Customer shall pay within 30 days.",
      "4.2 Taxes are extra.",
    ]);
  });

  it("runs on over a page break in mid-sentence, and keeps a quantity at a line start in its paragraph", () => {
    const text =
      "1.4 Services described in Schedule\n\n1 and in each Statement of Work.\n2.1 The fees for\n12 months are due.";
    expect(paragraphs(text)).toEqual([
      "1.4 Services described in Schedule 1 and in each Statement of Work.",
      "2.1 The fees for 12 months are due.",
    ]);
  });

  it("keeps offsets into the text", () => {
    const text = "\n\nTITLE\n\nBody text.\n";
    const [title, body] = paragraphRanges(text);
    expect(text.slice(title!.start, title!.end)).toBe("TITLE");
    expect(text.slice(body!.start, body!.end)).toBe("Body text.");
  });
});
