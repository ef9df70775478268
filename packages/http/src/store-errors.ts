const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/** Postgres SQLSTATE classes that mean the server cannot serve right now. */
const PG_UNAVAILABLE_PREFIXES = ["08", "53", "57P"];

/**
 * Whether an error means a store (Postgres, Redis) or a peer is unreachable, so the caller
 * should get 503 rather than 500.
 */
export function isUnavailableError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === "string") {
    if (CONNECTION_CODES.has(e.code)) return true;
    if (PG_UNAVAILABLE_PREFIXES.some((p) => (e.code as string).startsWith(p))) return true;
  }
  const message = typeof e.message === "string" ? e.message : "";
  if (
    message.includes("Connection terminated") ||
    message.includes("timeout exceeded when trying to connect") ||
    message.includes("Connection is closed") ||
    message.includes("connect ECONNREFUSED") ||
    message.includes("Stream isn't writeable") ||
    message.includes("Reached the max retries per request limit")
  ) {
    return true;
  }
  if (e.name === "AggregateError" && Array.isArray((error as AggregateError).errors)) {
    return (error as AggregateError).errors.some(isUnavailableError);
  }
  return e.cause !== undefined && e.cause !== error && isUnavailableError(e.cause);
}
