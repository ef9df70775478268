import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { assertBlobKey, type BlobStore } from "./blob-store.js";

/**
 * Blobs as files under `<root>/blobs/<key>`, staged uploads under `<root>/staging` (same file
 * system, so putting a staged file is a rename).
 */
export class FilesystemBlobStore implements BlobStore {
  readonly stagingDir: string;
  private readonly blobDir: string;

  constructor(root: string) {
    this.stagingDir = join(root, "staging");
    this.blobDir = join(root, "blobs");
  }

  async init(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true });
    await mkdir(this.blobDir, { recursive: true });
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(localPath, target);
  }

  async read(key: string): Promise<Readable> {
    // Opening first turns a missing blob into a rejected promise rather than a stream error.
    const handle = await open(this.path(key), "r");
    return handle.createReadStream({ autoClose: true });
  }

  async readAll(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    assertBlobKey(key);
    return join(this.blobDir, ...key.split("/"));
  }
}
