import { describe, expect, it } from "@jest/globals";
import { render } from "../src/documents/conversion.renderers.js";

const DATE = new Date("2026-03-02T10:00:00Z");
/** US Letter with one-inch margins, as the renderer lays it out. */
const [PAGE_WIDTH, MARGIN] = [612, 72];

/** The PDF's text items as pdf.js reads them, with where each starts and how wide it is. */
async function textItems(pdf: Buffer): Promise<{ str: string; x: number; width: number }[]> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  const items: { str: string; x: number; width: number }[] = [];
  for (let page = 1; page <= document.numPages; page++) {
    const content = await (await document.getPage(page)).getTextContent();
    for (const item of content.items) {
      if ("str" in item && item.str) {
        items.push({ str: item.str, x: item.transform[4] as number, width: item.width });
      }
    }
  }
  await document.destroy();
  return items;
}

describe("the PDF conversion of long words", () => {
  const url = `https://example.com/terms/${"a1b2c3d4e5".repeat(40)}/end-of-the-url`;

  it("splits a word wider than the line across lines, keeping every character on the page", async () => {
    const text = `Terms. The policy at ${url} applies. Signed.`;
    const items = await textItems(await render("pdf", "Terms", text, DATE));
    for (const item of items) {
      expect(item.x).toBeGreaterThanOrEqual(MARGIN - 0.5);
      expect(item.x + item.width).toBeLessThanOrEqual(PAGE_WIDTH - MARGIN + 0.5);
    }
    expect(items.length).toBeGreaterThan(3);
    expect(items.map((item) => item.str).join("")).toContain(url);
    expect(items.map((item) => item.str).join(" ")).toContain("applies. Signed.");
  });

  it("still wraps ordinary words at spaces, never inside a word", async () => {
    const sentence = "Provider shall invoice Customer monthly in arrears for the services. ";
    const items = await textItems(await render("pdf", "Terms", sentence.repeat(12), DATE));
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) {
      expect(item.x + item.width).toBeLessThanOrEqual(PAGE_WIDTH - MARGIN + 0.5);
      for (const word of item.str.split(" ")) expect(sentence).toContain(word);
    }
  });
});
