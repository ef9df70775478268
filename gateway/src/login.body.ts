import type { IncomingMessage } from "node:http";
import { AppError } from "@clment/http";

/** A login body is a few hundred bytes; anything above this is refused at the gateway. */
export const LOGIN_BODY_LIMIT = 16 * 1024;

/** Reads a request body of at most `limit` bytes (413 above it). */
export async function readSmallBody(
  req: IncomingMessage,
  limit = LOGIN_BODY_LIMIT,
): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new AppError("PAYLOAD_TOO_LARGE");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering but keep the socket, so the 413 can still be written.
        req.removeAllListeners("data");
        req.resume();
        reject(new AppError("PAYLOAD_TOO_LARGE"));
      } else chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** The normalized email of a login body, if it has one (settings validates the rest). */
export function loginEmail(body: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (parsed && typeof parsed === "object" && "email" in parsed) {
      const email = (parsed as { email: unknown }).email;
      if (typeof email === "string") return email.trim().toLowerCase();
    }
  } catch {
    // not JSON: settings answers 400
  }
  return undefined;
}
