/**
 * A minimal PDF writer for benchmarks: text pages in Helvetica, uncompressed, with a correct
 * cross-reference table. Enough for pdf.js to extract every line.
 */
function escape(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`);
}

export function makeTextPdf(pages: string[][]): Buffer {
  const objects: string[] = [];
  const pageIds: number[] = [];
  // 1: catalog, 2: pages, 3: font; then a content and a page object per page.
  const fontId = 3;
  let next = 4;
  const bodies = new Map<number, string>();
  for (const lines of pages) {
    const contentId = next++;
    const pageId = next++;
    const stream =
      `BT /F1 9 Tf 11 TL 40 760 Td\n` + lines.map((l) => `(${escape(l)}) '`).join("\n") + "\nET";
    bodies.set(
      contentId,
      `<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`,
    );
    bodies.set(
      pageId,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ` +
        `/Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${contentId} 0 R >>`,
    );
    pageIds.push(pageId);
  }
  bodies.set(1, "<< /Type /Catalog /Pages 2 0 R >>");
  bodies.set(
    2,
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pageIds.length} >>`,
  );
  bodies.set(fontId, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  for (let id = 1; id < next; id++) {
    offsets[id] = Buffer.byteLength(out, "latin1");
    objects.push(`${id} 0 obj\n${bodies.get(id)}\nendobj\n`);
    out += objects[objects.length - 1];
  }
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${next}\n0000000000 65535 f \n`;
  for (let id = 1; id < next; id++) out += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${next} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** A PDF of about `bytes` bytes of contract-like text. */
export function makePdfOfSize(bytes: number, words: string[]): Buffer {
  const pages: string[][] = [];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    const lines: string[] = [];
    for (let l = 0; l < 64; l++) {
      const line: string[] = [];
      for (let w = 0; w < 14; w++) line.push(words[(n++ * 7919) % words.length]!);
      lines.push(line.join(" "));
      size += lines[lines.length - 1]!.length + 4;
    }
    pages.push(lines);
  }
  return makeTextPdf(pages);
}
