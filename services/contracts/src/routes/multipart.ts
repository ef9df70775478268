import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import type { Request, Response } from "express";
import { AppError } from "@clment/http";

/** An uploaded file, streamed to a staging file while it was hashed and counted. */
export interface StagedFile {
  path: string;
  /** The client's file name, reduced to a plain base name. */
  filename: string;
  size: number;
  sha256: string;
  /** Whatever the client claimed; never trusted for the type. */
  claimedMimeType: string;
  /** Removes the staging file (a no-op once it was moved into the blob store). */
  discard(): Promise<void>;
}

export interface MultipartBody {
  fields: Map<string, string[]>;
  file: StagedFile | null;
}

export interface MultipartOptions {
  stagingDir: string;
  maxFileBytes: number;
  fileField?: string;
}

/** Room for the form fields and part headers around the file. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export function isMultipart(req: Request): boolean {
  return (req.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data");
}

function tooLarge(maxFileBytes: number): AppError {
  const mib = Math.round(maxFileBytes / (1024 * 1024));
  return new AppError("PAYLOAD_TOO_LARGE", `The file is larger than ${mib} MiB`);
}

/** Counts and hashes bytes on their way to disk, and stops the stream past the limit. */
class MeasuringStream extends Transform {
  readonly hash = createHash("sha256");
  size = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.size += chunk.length;
    if (this.size > this.limit) {
      callback(tooLarge(this.limit));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
}

/**
 * A file name safe to store and to show: no directories, no control characters, bounded.
 * Browsers (and fetch) send `"`, CR and LF in a part's file name as %22, %0D and %0A (WHATWG
 * multipart encoding); those three are decoded back.
 */
export function cleanFilename(raw: string | undefined): string {
  const decoded = (raw ?? "").replace(/%(22|0D|0A)/gi, (_m, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  // eslint-disable-next-line no-control-regex
  const name = basename(decoded.replaceAll("\\", "/")).replace(/[\u0000-\u001f\u007f]/g, "");
  return name.trim().slice(0, 255);
}

/**
 * When an upload is refused before its body was read (too large), the rest of the body is not
 * read either: the response says `Connection: close`, and the socket goes once it is sent.
 */
export function closeAfterResponse(req: Request, res: Response): void {
  if (!res.headersSent) res.setHeader("Connection", "close");
  req.unpipe();
  res.once("finish", () => {
    // Give the client a moment to read the answer before the socket goes.
    setTimeout(() => req.socket.destroy(), 50).unref();
  });
}

/**
 * Reads a multipart/form-data body: fields into memory (small), the one file part streamed to a
 * staging file while it is hashed. Past `maxFileBytes` the upload is cut off with 413 at once;
 * nothing of it is kept.
 */
export async function readMultipart(
  req: Request,
  res: Response,
  options: MultipartOptions,
): Promise<MultipartBody> {
  const fileField = options.fileField ?? "file";
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > options.maxFileBytes + MULTIPART_OVERHEAD_BYTES) {
    closeAfterResponse(req, res);
    throw tooLarge(options.maxFileBytes);
  }

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: "utf8",
      limits: {
        files: 1,
        fields: 100,
        parts: 101,
        fieldSize: 64 * 1024,
        // busboy's own limit is one byte over ours, so MeasuringStream decides.
        fileSize: options.maxFileBytes + 1,
      },
    });
  } catch {
    throw new AppError("VALIDATION_ERROR", "The multipart body could not be read", [
      { path: "body", message: "is not multipart/form-data with a boundary" },
    ]);
  }

  const fields = new Map<string, string[]>();
  let staged: StagedFile | null = null;
  let writing: Promise<void> | null = null;
  /** Settles once the staging file is closed (at once when there is none). */
  let stagingClosed: Promise<void> = Promise.resolve();

  return new Promise<MultipartBody>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      parser.removeAllListeners();
      parser.on("error", () => undefined);
      // Destroying the parser destroys the file part it is feeding (it never ends otherwise, as
      // no more of the body comes), which ends the pipeline and closes the staging file. Only a
      // closed file can be removed for good: an open one keeps its disk space, and one still
      // being opened would be created again after the removal.
      parser.destroy();
      const cleanup = stagingClosed.then(() => staged?.discard());
      const appError =
        error instanceof AppError
          ? error
          : new AppError("VALIDATION_ERROR", "The multipart body could not be read", [
              { path: "body", message: error instanceof Error ? error.message : "is malformed" },
            ]);
      if (appError.code === "PAYLOAD_TOO_LARGE") closeAfterResponse(req, res);
      else req.resume();
      cleanup.then(
        () => reject(appError),
        () => reject(appError),
      );
    };

    parser.on("field", (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) {
        fail(
          new AppError("VALIDATION_ERROR", "A form field is too long", [
            { path: name, message: "is longer than 64 KiB" },
          ]),
        );
        return;
      }
      fields.set(name, [...(fields.get(name) ?? []), value]);
    });

    parser.on("file", (name, stream, info) => {
      if (name !== fileField || staged) {
        stream.resume();
        fail(
          new AppError(
            "VALIDATION_ERROR",
            `Send exactly one file, in the part named "${fileField}"`,
            [{ path: name, message: "unexpected file part" }],
          ),
        );
        return;
      }
      const path = join(options.stagingDir, randomUUID());
      const measure = new MeasuringStream(options.maxFileBytes);
      const file: StagedFile = {
        path,
        filename: cleanFilename(info.filename),
        size: 0,
        sha256: "",
        claimedMimeType: info.mimeType,
        discard: () => rm(path, { force: true }),
      };
      staged = file;
      const target = createWriteStream(path);
      stagingClosed = new Promise((settle) => target.once("close", () => settle()));
      writing = pipeline(stream, measure, target).then(() => {
        file.size = measure.size;
        file.sha256 = measure.hash.digest("hex");
      });
      writing.catch(fail);
    });

    parser.on("filesLimit", () =>
      fail(
        new AppError("VALIDATION_ERROR", `Send exactly one file, in the part named "${fileField}"`),
      ),
    );
    parser.on("fieldsLimit", () => fail(new AppError("VALIDATION_ERROR", "Too many form fields")));
    parser.on("partsLimit", () => fail(new AppError("VALIDATION_ERROR", "Too many form parts")));
    parser.on("error", fail);
    req.on("error", fail);
    req.on("aborted", () => fail(new AppError("VALIDATION_ERROR", "The upload was interrupted")));

    parser.on("close", () => {
      (writing ?? Promise.resolve()).then(
        () => {
          if (settled) return;
          settled = true;
          resolve({ fields, file: staged });
        },
        (error: unknown) => fail(error),
      );
    });

    req.pipe(parser);
  });
}
