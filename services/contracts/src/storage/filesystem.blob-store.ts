import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { assertBlobKey, type BlobStore } from "./blob-store.js";

/**
 * A staged file untouched for this long belongs to no upload in flight (each chunk written
 * touches it, and Node ends a request after five minutes): a process that stopped mid-upload
 * left it.
 */
const STAGING_MAX_AGE_MS = 60 * 60 * 1000;

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

  /**
   * Creates the directories, and removes staged files an earlier run left behind. Recent ones
   * stay: another process sharing the directory may be receiving them.
   */
  async init(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true });
    await mkdir(this.blobDir, { recursive: true });
    await this.sweepStaging(new Date(Date.now() - STAGING_MAX_AGE_MS));
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

  private async sweepStaging(untouchedSince: Date): Promise<void> {
    for (const name of await readdir(this.stagingDir)) {
      const path = join(this.stagingDir, name);
      // Gone meanwhile (an upload finished or was discarded): nothing to do.
      const info = await stat(path).catch(() => null);
      if (info && info.mtime < untouchedSince) await rm(path, { recursive: true, force: true });
    }
  }

  private path(key: string): string {
    assertBlobKey(key);
    return join(this.blobDir, ...key.split("/"));
  }
}
