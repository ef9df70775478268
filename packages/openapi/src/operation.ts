import type { ErrorCode } from "@clment/http";
import type { z } from "zod";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** Who may call an operation, as the gateway's route table decides it. */
export type OperationAccess = "public" | "authenticated" | "settings";

/** A header an operation reads or answers with, beyond the ones every operation has. */
export interface HeaderDoc {
  name: string;
  description: string;
  /** The values it takes, when they are a closed set. */
  values?: readonly string[];
}

export interface SuccessResponse {
  status: number;
  description: string;
  /** Response headers beyond the common ones (e.g. `Set-Cookie`). */
  headers?: HeaderDoc[];
  /** The JSON body (the envelope included); absent with `binary`. */
  schema?: z.ZodType;
  /** A download: original bytes, no envelope. */
  binary?: boolean;
}

/**
 * One public operation, described from the zod schemas its route validates with. Each service
 * exports a list of these; the gateway's build step merges them into one OpenAPI document.
 */
export interface OperationDoc {
  method: HttpMethod;
  /** Express-style path, e.g. `/v1/contracts/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: OperationAccess;
  /** The query schema the route parses (an object). */
  query?: z.ZodObject;
  /** The JSON body schema the route parses. */
  body?: z.ZodType;
  /** A `multipart/form-data` body (documentation of the form fields and the `file` part). */
  multipart?: z.ZodType;
  /** Optional request headers the operation reads beyond the common ones. */
  headers?: HeaderDoc[];
  /** Whether a JSON body is required (default: true when `body` is given and no multipart). */
  bodyRequired?: boolean;
  responses: SuccessResponse[];
  /** Error codes this route can return beyond those implied by access, input and path. */
  errors?: ErrorCode[];
  /**
   * What an error code means for this route, in place of (or, for codes the route's shape
   * implies, before) its general description; a code named here is one the route returns.
   */
  errorNotes?: Partial<Record<ErrorCode, string>>;
  /**
   * Answered by the gateway itself, before routing, authentication and rate limiting (the
   * health endpoints): only `errors` apply, none implied by access, input or path.
   */
  gateway?: boolean;
}

/** Identity function that types an operation list. */
export function operations(list: OperationDoc[]): OperationDoc[] {
  return list;
}
