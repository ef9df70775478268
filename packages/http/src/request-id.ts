import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const REQUEST_ID_HEADER = "x-request-id";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,200}$/;

/** Echoes the caller's `X-Request-Id` when it is a sane token, else makes one. */
export function resolveRequestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** Sets the request id on the request headers (for upstreams) and the response. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = resolveRequestId(req);
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader("X-Request-Id", id);
  return id;
}
