import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { AppError, errorBody } from "./errors.js";
import { isUnavailableError } from "./store-errors.js";
import { zodDetails } from "./validation.js";
import { z } from "zod";

/** Maps anything thrown to the AppError the caller sees. Unknown errors reveal nothing. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) {
    return new AppError("VALIDATION_ERROR", "Invalid request", zodDetails(error));
  }
  const e = error as { type?: unknown; status?: unknown; expose?: unknown } | null;
  // body-parser and friends mark client errors with `type` and `status`.
  if (e && typeof e === "object") {
    switch (e.type) {
      case "entity.parse.failed":
        return new AppError("VALIDATION_ERROR", "Malformed JSON body", [
          { path: "body", message: "is not valid JSON" },
        ]);
      case "entity.too.large":
        return new AppError("PAYLOAD_TOO_LARGE", "The JSON body is larger than 1 MiB");
      case "encoding.unsupported":
      case "charset.unsupported":
        return new AppError("UNSUPPORTED_MEDIA_TYPE", "Unsupported body encoding");
      case "request.aborted":
      case "request.size.invalid":
      case "stream.encoding.set":
        return new AppError("VALIDATION_ERROR", "The request body could not be read");
    }
    if (e.status === 400 && e.expose === true) {
      return new AppError("VALIDATION_ERROR", "The request could not be read");
    }
  }
  if (isUnavailableError(error)) return new AppError("SERVICE_UNAVAILABLE");
  return new AppError("INTERNAL_ERROR");
}

export function sendError(res: Response, error: AppError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error.headers) res.set(error.headers);
  if (error.code === "SERVICE_UNAVAILABLE" && !res.getHeader("Retry-After")) {
    res.set("Retry-After", "1");
  }
  res.status(error.status).json(errorBody(error, res.locals.requestId as string | undefined));
}

/** The one error middleware of a process: everything ends up in the envelope. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    const log = (req as { log?: Logger }).log ?? logger;
    if (appError.status >= 500) {
      log.error({ err: error, requestId: res.locals.requestId }, "request failed");
    } else {
      log.debug({ code: appError.code, requestId: res.locals.requestId }, appError.message);
    }
    sendError(res, appError);
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("NOT_FOUND", `No route for ${req.method} ${req.path}`));
};
