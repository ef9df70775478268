import { once } from "node:events";
import { crc32, createDeflateRaw, deflateRawSync } from "node:zlib";

/** One part of a zip: its bytes, or a run of one byte `size` long (streamed, never held). */
export type ZipPart =
  | { name: string; data: string }
  | { name: string; run: { byte: number; size: number }; declaredSize?: number };

interface Packed {
  name: Buffer;
  crc: number;
  compressed: Buffer;
  size: number;
}

async function deflateRun(
  byte: number,
  size: number,
): Promise<{ compressed: Buffer; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = once(deflate, "end");
  const block = Buffer.alloc(1024 * 1024, byte);
  let crc = 0;
  for (let written = 0; written < size; written += block.length) {
    const piece = size - written < block.length ? block.subarray(0, size - written) : block;
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await once(deflate, "drain");
  }
  deflate.end();
  await ended;
  return { compressed: Buffer.concat(chunks), crc };
}

async function pack(part: ZipPart): Promise<Packed> {
  const name = Buffer.from(part.name, "utf8");
  if ("data" in part) {
    const data = Buffer.from(part.data, "utf8");
    return { name, crc: crc32(data), compressed: deflateRawSync(data), size: data.length };
  }
  const { compressed, crc } = await deflateRun(part.run.byte, part.run.size);
  return { name, crc, compressed, size: part.declaredSize ?? part.run.size };
}

/**
 * A zip written byte by byte (deflated parts, no zip64), so a test can make archives no zip
 * library would: parts that inflate to hundreds of megabytes, or whose header lies about it.
 */
export async function makeZip(parts: ZipPart[]): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const { name, crc, compressed, size } = await pack(part);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
  "</Types>";

const PACKAGE_RELS =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
  "</Relationships>";

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/** The XML of a Word body with one paragraph per entry. */
export function documentXml(paragraphs: string[] | { repeat: string; times: number }): string {
  const paragraph = (text: string) => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`;
  const body = Array.isArray(paragraphs)
    ? paragraphs.map(paragraph).join("")
    : paragraph(paragraphs.repeat).repeat(paragraphs.times);
  return `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`;
}

/** A minimal Word document (what file-type and mammoth need) with further parts added. */
export function makeRawDocx(body: string, extra: ZipPart[] = []): Promise<Buffer> {
  return makeZip([
    { name: "[Content_Types].xml", data: CONTENT_TYPES },
    { name: "_rels/.rels", data: PACKAGE_RELS },
    { name: "word/document.xml", data: body },
    ...extra,
  ]);
}
