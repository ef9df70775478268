/** A complete upload, staged on local disk, hashed while it streamed in. */
export interface UploadedFile {
  path: string;
  /** The client's file name (already reduced to a base name); may be empty. */
  filename: string;
  size: number;
  sha256: string;
  /** Removes the staged file; a no-op once it was moved into the blob store. */
  discard(): Promise<void>;
}
