/** The closed set of error codes of the public API (../shared/API.md), each with its one status. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  INSUFFICIENT_CREDITS: 402,
  API_KEY_FORBIDDEN: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
  VALIDATION_ERROR: "The request is not valid",
  UNAUTHORIZED: "Authentication required",
  INSUFFICIENT_CREDITS: "Not enough credits for this operation",
  API_KEY_FORBIDDEN: "API keys cannot access settings; sign in as an owner or admin",
  FORBIDDEN: "You do not have permission to do this",
  NOT_FOUND: "Not found",
  CONFLICT: "The request conflicts with the current state",
  IDEMPOTENCY_KEY_REUSED: "This Idempotency-Key was used with a different request",
  PAYLOAD_TOO_LARGE: "The request body is too large",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  RATE_LIMITED: "Too many requests",
  INTERNAL_ERROR: "Something went wrong on our side",
  SERVICE_UNAVAILABLE: "The service is temporarily unavailable; please retry",
};

/**
 * The one error type domain code throws. It carries a stable code; the HTTP status is
 * derived from it here and nowhere else.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGE[code],
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = ERROR_STATUS[code];
  }

  /** Whether the same request may succeed later without change. */
  get retryable(): boolean {
    return this.code === "RATE_LIMITED" || this.code === "SERVICE_UNAVAILABLE";
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}

export function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGE[code];
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId?: string; details?: ErrorDetail[] };
}

export function errorBody(error: AppError, requestId?: string): ErrorEnvelope {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(requestId ? { requestId } : {}),
      ...(error.details ? { details: error.details } : {}),
    },
  };
}
