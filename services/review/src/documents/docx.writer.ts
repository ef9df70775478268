import { strToU8, zipSync } from "fflate";

/** A run of a paragraph: plain text, or a tracked insertion or deletion. */
export type Run =
  | { kind: "text"; text: string }
  | { kind: "insert"; text: string }
  | { kind: "delete"; text: string };

export interface DocxParagraph {
  runs: Run[];
  heading?: boolean;
  /** The whole paragraph is a tracked insertion (its mark too). */
  inserted?: boolean;
  /** The paragraph mark is deleted: accepting the change joins it with the next paragraph. */
  markDeleted?: boolean;
}

export interface Revision {
  author: string;
  /** ISO date of the changes. */
  date: string;
}

export const DOCX_MIME_TYPE =
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

// XML 1.0 allows tab, line feed, carriage return and most other characters; not the rest of C0.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const NS =
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';

class RevisionIds {
  private next = 1;
  take(): number {
    return this.next++;
  }
}

function runXml(text: string, bold: boolean, deleted = false): string {
  const properties = bold ? "<w:rPr><w:b/></w:rPr>" : "";
  const tag = deleted ? "w:delText" : "w:t";
  return `<w:r>${properties}<${tag} xml:space="preserve">${escapeXml(text)}</${tag}></w:r>`;
}

function paragraphXml(paragraph: DocxParagraph, revision: Revision, ids: RevisionIds): string {
  const stamp = (id: number) =>
    `w:id="${id}" w:author="${escapeXml(revision.author)}" w:date="${revision.date}"`;
  const markChange = paragraph.inserted
    ? `<w:ins ${stamp(ids.take())}/>`
    : paragraph.markDeleted
      ? `<w:del ${stamp(ids.take())}/>`
      : "";
  const style = paragraph.heading ? '<w:pStyle w:val="Heading1"/>' : "";
  const properties =
    style || markChange
      ? `<w:pPr>${style}${markChange ? `<w:rPr>${markChange}</w:rPr>` : ""}</w:pPr>`
      : "";
  const bold = Boolean(paragraph.heading);
  const runs = paragraph.runs
    .filter((run) => run.text.length > 0)
    .map((run) => {
      switch (run.kind) {
        case "text":
          return runXml(run.text, bold);
        case "insert":
          return `<w:ins ${stamp(ids.take())}>${runXml(run.text, bold)}</w:ins>`;
        case "delete":
          return `<w:del ${stamp(ids.take())}>${runXml(run.text, bold, true)}</w:del>`;
      }
    })
    .join("");
  return `<w:p>${properties}${runs}</w:p>`;
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`;

const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`;

const DOCUMENT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/></Relationships>`;

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ${NS}><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/><w:sz w:val="22"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="24"/></w:rPr></w:style></w:styles>`;

function settings(trackRevisions: boolean): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings ${NS}>${trackRevisions ? "<w:trackRevisions/>" : ""}</w:settings>`;
}

function coreProperties(title: string, revision: Revision): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>${escapeXml(title)}</dc:title><dc:creator>${escapeXml(revision.author)}</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${revision.date}</dcterms:created></cp:coreProperties>`;
}

/**
 * A minimal WordprocessingML package (document, styles, settings, core properties). Tracked
 * insertions and deletions carry the revision's author and date; with any of them, the document
 * keeps tracking changes on when opened.
 */
export function buildDocx(options: {
  title: string;
  paragraphs: DocxParagraph[];
  revision: Revision;
}): Buffer {
  const ids = new RevisionIds();
  const body = options.paragraphs
    .map((paragraph) => paragraphXml(paragraph, options.revision, ids))
    .join("");
  const tracked = options.paragraphs.some(
    (p) => p.inserted || p.markDeleted || p.runs.some((r) => r.kind !== "text"),
  );
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ${NS}><w:body>${body}<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>`;
  const zipped = zipSync(
    {
      "[Content_Types].xml": strToU8(CONTENT_TYPES),
      "_rels/.rels": strToU8(ROOT_RELS),
      "word/document.xml": strToU8(document),
      "word/_rels/document.xml.rels": strToU8(DOCUMENT_RELS),
      "word/styles.xml": strToU8(STYLES),
      "word/settings.xml": strToU8(settings(tracked)),
      "docProps/core.xml": strToU8(coreProperties(options.title, options.revision)),
    },
    { level: 6, mtime: new Date(options.revision.date) },
  );
  return Buffer.from(zipped.buffer, zipped.byteOffset, zipped.byteLength);
}
