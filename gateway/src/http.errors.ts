import type { ServerResponse } from "node:http";
import { AppError, errorBody } from "@clment/http";

/** Writes an error in the API's envelope (the gateway has no express to do it). */
export function writeError(res: ServerResponse, error: AppError, requestId: string): void {
  if (res.headersSent) {
    // The upstream's answer was already under way: cutting it is the only honest signal left.
    if (!res.writableEnded) res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error, requestId));
  res.writeHead(error.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...(error.code === "UNAUTHORIZED" ? { "www-authenticate": "Bearer" } : {}),
    ...(error.code === "SERVICE_UNAVAILABLE" ? { "retry-after": "1" } : {}),
    ...error.headers,
  });
  res.end(body);
}

export function writeJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** What a client that sent unparseable HTTP gets, in the envelope, before the socket closes. */
export function malformedHttpResponse(): string {
  const body = JSON.stringify(
    errorBody(new AppError("VALIDATION_ERROR", "The HTTP request could not be parsed")),
  );
  return (
    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n" +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
