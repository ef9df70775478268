import type { Readable } from "node:stream";

/**
 * Where document bytes live. The database keeps each blob's key, size and hash; the store only
 * keeps bytes. The filesystem implementation serves one machine; an S3 one fits the same shape.
 */
export interface BlobStore {
  /**
   * A directory on local disk where uploads are staged while they stream in. A staged file is
   * moved into the store with `putFile` once it is complete and checked.
   */
  readonly stagingDir: string;
  /** Moves a complete local file into the store under `key` (the local file is consumed). */
  putFile(key: string, localPath: string): Promise<void>;
  /** The bytes of `key`, streamed. Rejects with code ENOENT when there is no such blob. */
  read(key: string): Promise<Readable>;
  /** The whole blob in memory (for text extraction of a bounded document). */
  readAll(key: string): Promise<Buffer>;
  /** Removes `key`; a missing blob is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys are `/`-separated ids: no dots, no empty segments, so they never escape the store. */
export function assertBlobKey(key: string): void {
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(key)) {
    throw new Error(`invalid blob key: ${key}`);
  }
}
