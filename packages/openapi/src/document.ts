import { ERROR_STATUS, MAX_PAGE_SIZE, type ErrorCode } from "@clment/http";
import { z } from "zod";
import type { HeaderDoc, OperationDoc } from "./operation.js";

type Json = Record<string, unknown>;

export interface DocumentOptions {
  title?: string;
  version?: string;
  description?: string;
}

const REGION_SERVERS = [
  { url: "https://us.clment.com", description: "United States region" },
  { url: "https://eu.clment.com", description: "European Union region" },
  { url: "https://au.clment.com", description: "Australia region" },
];

const TAG_DESCRIPTIONS: Record<string, string> = {
  Auth: "Sign-up, login, invitations and the caller's identity.",
  Billing: "Plan, credit packs and the ledger (owners and admins).",
  Contracts: "Contracts and their fields.",
  Conversions: "Document conversions (AI operations: consume credits).",
  Credits: "The credit balance and pricing.",
  Documents: "A contract's document, its versions and its extracted text.",
  "Key dates": "Key dates of contracts and their reminders.",
  Operations: "Health and readiness of the region's gateway (no credentials, no `/v1` prefix).",
  Playbooks: "Playbooks: the rules reviews check contracts against.",
  Redlines: "Redlined documents from reviews (AI operations: consume credits).",
  Reviews: "Contract reviews and their findings (AI operations: consume credits).",
  Search: "Full-text search over the workspace.",
  Settings: "API keys, members, organization, webhooks and the audit log (owners and admins).",
};

const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  VALIDATION_ERROR: "bad query, path or body (also malformed JSON)",
  UNAUTHORIZED: "missing, malformed, unknown, revoked, expired or other-region key or session",
  INSUFFICIENT_CREDITS: "not enough credits for this AI operation; nothing is charged or queued",
  API_KEY_FORBIDDEN: "an API key called a settings endpoint",
  FORBIDDEN:
    "a signed-in member who is not an owner or admin called a settings endpoint, or a write authenticated by the console's session cookie came without its CSRF token or from another origin",
  NOT_FOUND: "unknown route, or no such resource in the caller's organization",
  CONFLICT: "the request conflicts with the current state",
  IDEMPOTENCY_KEY_REUSED: "the Idempotency-Key was used with a different request",
  PAYLOAD_TOO_LARGE: "upload over 25 MiB or JSON body over 1 MiB",
  UNSUPPORTED_MEDIA_TYPE: "a document that is not PDF, DOCX or plain text",
  RATE_LIMITED: "over the rate limit; Retry-After says when to retry",
  INTERNAL_ERROR: "a bug; the message reveals no internals",
  SERVICE_UNAVAILABLE: "a service or store behind the gateway is down",
};

/**
 * Whether the idempotency middleware handles the operation's `Idempotency-Key`: POSTs with an
 * organization's identity only (public routes are mounted before it and have no organization).
 */
export function takesIdempotencyKey(op: OperationDoc): boolean {
  return op.method === "post" && op.access !== "public" && !op.gateway;
}

/** Every error code an operation can answer with: its own plus those its shape implies. */
export function errorCodes(op: OperationDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>([
    ...(op.errors ?? []),
    ...(Object.keys(op.errorNotes ?? {}) as ErrorCode[]),
  ]);
  if (!op.gateway) addImpliedErrors(op, codes);
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => codes.has(code));
}

function addImpliedErrors(op: OperationDoc, codes: Set<ErrorCode>): void {
  const hasBody = op.method === "post" || op.method === "put" || op.method === "patch";
  if (op.query || op.body || op.multipart || hasBody || op.path.includes(":")) {
    codes.add("VALIDATION_ERROR");
  }
  if (op.access !== "public") codes.add("UNAUTHORIZED");
  if (op.access === "settings") {
    codes.add("API_KEY_FORBIDDEN");
    codes.add("FORBIDDEN");
  }
  // A write authenticated by the session cookie without its CSRF token (see sessionCookie).
  if (op.access !== "public" && op.method !== "get") codes.add("FORBIDDEN");
  if (op.path.includes(":")) codes.add("NOT_FOUND");
  // The key with another request; or the first request with it still running (errorDescription).
  if (takesIdempotencyKey(op)) {
    codes.add("IDEMPOTENCY_KEY_REUSED");
    codes.add("CONFLICT");
  }
  if (hasBody) codes.add("PAYLOAD_TOO_LARGE");
  if (op.multipart) codes.add("UNSUPPORTED_MEDIA_TYPE");
  codes.add("RATE_LIMITED");
  codes.add("INTERNAL_ERROR");
  codes.add("SERVICE_UNAVAILABLE");
}

/** The 409 CONFLICT of the idempotency middleware (packages/idempotency). */
const IDEMPOTENCY_CONFLICT =
  "a request with the same Idempotency-Key is still running (retry later)";

/** What `code` means for `op`: its own note or the general description, and the key's conflict. */
export function errorDescription(op: OperationDoc, code: ErrorCode): string {
  const own =
    op.errorNotes?.[code] ?? (op.errors?.includes(code) ? ERROR_DESCRIPTIONS[code] : undefined);
  if (code === "CONFLICT" && takesIdempotencyKey(op)) {
    return own ? `${own}, or ${IDEMPOTENCY_CONFLICT}` : IDEMPOTENCY_CONFLICT;
  }
  return own ?? ERROR_DESCRIPTIONS[code];
}

/** `/v1/contracts/:id` → `/v1/contracts/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/**
 * Removes `additionalProperties: false` everywhere in a converted schema. zod objects strip or
 * reject unknown keys, so their output schemas come out closed; an answer is open, though:
 * fields may be added to it at any time (API.md), and a client validating strictly must not
 * break on one.
 */
function openObjects(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(openObjects);
  if (json === null || typeof json !== "object") return json;
  return Object.fromEntries(
    Object.entries(json)
      .filter(([key, value]) => !(key === "additionalProperties" && value === false))
      .map(([key, value]) => [key, openObjects(value)]),
  );
}

/**
 * Collects `$defs` of converted schemas as components and points their refs there. Request
 * bodies are converted as zod parses them (strict objects reject unknown fields: closed);
 * answers as open schemas.
 */
class SchemaCollector {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: "input" | "output"): Json {
    const converted = z.toJSONSchema(schema, {
      io,
      target: "draft-2020-12",
      unrepresentable: "any",
    });
    const json = io === "output" ? openObjects(converted) : converted;
    const text = JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/');
    const { $schema: _schema, $defs, ...rest } = JSON.parse(text) as Json & { $defs?: Json };
    for (const [id, def] of Object.entries($defs ?? {})) {
      const { $schema: _s, id: _id, ...clean } = def as Json;
      const known = this.components[id];
      if (known && JSON.stringify(known) !== JSON.stringify(clean)) {
        throw new Error(
          `Schema ${id} converts differently where it is used (a request body and an answer?): give each its own id`,
        );
      }
      this.components[id] = clean;
    }
    return rest;
  }
}

const ERROR_SCHEMA: Json = {
  type: "object",
  description: "The error envelope every layer answers with.",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { $ref: "#/components/schemas/ErrorCode" },
        message: { type: "string", description: "For humans; may change." },
        requestId: { type: "string", description: "The request's X-Request-Id." },
        details: {
          type: "array",
          description: "What is wrong with the input (validation errors).",
          items: {
            type: "object",
            properties: { path: { type: "string" }, message: { type: "string" } },
            required: ["path", "message"],
          },
        },
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
};

const RATE_LIMIT_HEADERS: Json = {
  "RateLimit-Limit": { $ref: "#/components/headers/RateLimit-Limit" },
  "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" },
  "RateLimit-Reset": { $ref: "#/components/headers/RateLimit-Reset" },
};

function headersFor(op: OperationDoc, status?: number): Json {
  return {
    "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" },
    ...(op.access !== "public" && RATE_LIMIT_HEADERS),
    ...(status === 429 && { "Retry-After": { $ref: "#/components/headers/Retry-After" } }),
  };
}

function headerSchema(header: HeaderDoc): Json {
  return header.values ? { type: "string", enum: [...header.values] } : { type: "string" };
}

function errorResponses(op: OperationDoc): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(op)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Json = {};
  for (const [status, codes] of byStatus) {
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${errorDescription(op, code)}`).join("; "),
      headers: headersFor(op, status),
      content: {
        "application/json": {
          schema: {
            allOf: [
              { $ref: "#/components/schemas/Error" },
              {
                type: "object",
                properties: { error: { type: "object", properties: { code: { enum: codes } } } },
              },
            ],
          },
        },
      },
    };
  }
  return responses;
}

function queryParameters(query: z.ZodObject, schemas: SchemaCollector): Json[] {
  const input = schemas.convert(query, "input") as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  const output = schemas.convert(query, "output") as { properties?: Record<string, Json> };
  return Object.entries(input.properties ?? {}).map(([name, schema]) => {
    if (name === "skip") return { $ref: "#/components/parameters/Skip" };
    if (name === "take") return { $ref: "#/components/parameters/Take" };
    if (name === "sort") {
      return { $ref: "#/components/parameters/Sort", schema };
    }
    const out = output.properties?.[name];
    const required = input.required?.includes(name) ?? false;
    // A comma-separated list of allowed values (enumList): an array in form style.
    if (schema.type === "string" && out?.type === "array") {
      return {
        name,
        in: "query",
        required,
        style: "form",
        explode: false,
        description: "One value, or several separated by commas.",
        schema: out,
      };
    }
    return { name, in: "query", required, schema };
  });
}

function sortParameter(schema: Json): Json {
  const { description, ...rest } = schema as { description?: string };
  return {
    name: "sort",
    in: "query",
    required: false,
    // sortQuery describes itself, with the list's own default order.
    description:
      description ??
      "A field name to sort by ascending, `-field` for descending (default `-createdAt`).",
    schema: rest,
  };
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", format: "uuid" },
  }));
}

function operationObject(op: OperationDoc, schemas: SchemaCollector): Json {
  const parameters: Json[] = [...pathParameters(op.path)];
  if (op.query) {
    for (const p of queryParameters(op.query, schemas)) {
      // `sort` differs per list (its allowed fields), so it is inlined, not a shared parameter.
      parameters.push(
        p.$ref === "#/components/parameters/Sort" ? sortParameter(p.schema as Json) : p,
      );
    }
  }
  for (const header of op.headers ?? []) {
    parameters.push({
      name: header.name,
      in: "header",
      required: false,
      description: header.description,
      schema: headerSchema(header),
    });
  }
  if (takesIdempotencyKey(op)) {
    parameters.push({ $ref: "#/components/parameters/Idempotency-Key" });
  }
  parameters.push({ $ref: "#/components/parameters/X-Request-Id" });

  const content: Json = {};
  if (op.body) content["application/json"] = { schema: schemas.convert(op.body, "input") };
  if (op.multipart) {
    content["multipart/form-data"] = { schema: schemas.convert(op.multipart, "input") };
  }
  const responses: Json = {};
  for (const success of op.responses) {
    const extraHeaders = (success.headers ?? []).map((header) => [
      header.name,
      { description: header.description, schema: headerSchema(header) },
    ]);
    responses[String(success.status)] = {
      description: success.description,
      headers: { ...headersFor(op, success.status), ...Object.fromEntries(extraHeaders) },
      ...(success.binary
        ? {
            content: {
              "application/octet-stream": {
                schema: { type: "string", contentMediaType: "application/octet-stream" },
              },
            },
          }
        : success.schema && {
            content: { "application/json": { schema: schemas.convert(success.schema, "output") } },
          }),
    };
  }
  Object.assign(responses, errorResponses(op));
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description && { description: op.description }),
    tags: [op.tag],
    ...(op.access === "public" && { security: [] }),
    parameters,
    ...(Object.keys(content).length > 0 && {
      requestBody: {
        required: op.bodyRequired ?? (op.body !== undefined && !op.multipart),
        content,
      },
    }),
    responses,
  };
}

/** The OpenAPI 3.1 document of the given operations (all services, merged). */
export function buildOpenApiDocument(ops: readonly OperationDoc[], options: DocumentOptions = {}) {
  const schemas = new SchemaCollector();
  const paths: Record<string, Json> = {};
  const seen = new Set<string>();
  const sorted = [...ops].sort((a, b) => a.path.localeCompare(b.path));
  for (const op of sorted) {
    const key = `${op.method} ${op.path}`;
    if (seen.has(key)) throw new Error(`${key} is documented twice`);
    seen.add(key);
    const path = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operationObject(op, schemas) };
  }
  const tags = [...new Set(sorted.map((op) => op.tag))]
    .sort()
    .map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  return {
    openapi: "3.1.0",
    info: {
      title: options.title ?? "Clment API",
      version: options.version ?? "1.0.0",
      description:
        options.description ??
        "Contract lifecycle management. Every region (us, eu, au) is a separate deployment: use the base URL of the region your organization lives in (`GET /v1/me` tells it).",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: REGION_SERVERS,
    security: [{ bearer: [] }, { sessionCookie: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "An API key (`clm_sk_live_` + 32 characters) or a session token from login. API keys never reach `/v1/settings/`.",
        },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "__Host-clment_session",
          description:
            "The admin console's session: set by sign-up, login, invite acceptance and the SSO callback when asked for with `X-Clment-Session: cookie` (HttpOnly, Secure, SameSite=Strict, Path=/; over local http it is `clment_session_<port>`, not Secure). Used only when the request has no Authorization header, and only for session tokens. Every method but GET, HEAD and OPTIONS must also come from the region's origin (`Origin`, or else `Referer`) and echo the readable `__Host-clment_csrf` cookie (`clment_csrf_<port>` locally) in `X-CSRF-Token`: otherwise 403 FORBIDDEN. A session cookie that is no longer valid gets 401 and both cookies are cleared.",
        },
      },
      parameters: {
        Skip: {
          name: "skip",
          in: "query",
          required: false,
          description: "How many items to skip (offset).",
          schema: { type: "integer", minimum: 0, default: 0 },
        },
        Take: {
          name: "take",
          in: "query",
          required: false,
          description: `Page size, at most ${MAX_PAGE_SIZE}.`,
          schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
        },
        "Idempotency-Key": {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "On POSTs authenticated by an API key or a session (not on sign-up, login or invitation acceptance, which have no organization to keep keys for); keys are per organization. The same key with the same request within 24 hours replays the first answer (`Idempotent-Replayed: true`) without doing the work again; with a different request it is 409 IDEMPOTENCY_KEY_REUSED; while the first request with the key is still running, 409 CONFLICT. An answer that showed a secret once (a new API key, an invite token, a webhook secret) is not replayed: a retry gets 409 CONFLICT. Server errors, 429 and the 401, 402, 403 and 409 answers are not kept: a retry with the key does the work.",
          schema: { type: "string", maxLength: 255 },
        },
        "X-Request-Id": {
          name: "X-Request-Id",
          in: "header",
          required: false,
          description: "Your own request id, echoed in the response (one is generated if absent).",
          schema: { type: "string", maxLength: 200 },
        },
      },
      headers: {
        "X-Request-Id": {
          description: "The request id (the caller's own when it sent one).",
          schema: { type: "string" },
        },
        "RateLimit-Limit": {
          description: "Requests allowed in the current window.",
          schema: { type: "integer" },
        },
        "RateLimit-Remaining": {
          description: "Requests left in the current window.",
          schema: { type: "integer" },
        },
        "RateLimit-Reset": {
          description: "Seconds until the window resets.",
          schema: { type: "integer" },
        },
        "Retry-After": {
          description: "Seconds to wait before retrying.",
          schema: { type: "integer" },
        },
      },
      schemas: {
        ErrorCode: {
          type: "string",
          enum: Object.keys(ERROR_STATUS),
          description: "Stable, machine-readable error codes.",
        },
        Error: ERROR_SCHEMA,
        ...Object.fromEntries(
          Object.entries(schemas.components).sort(([a], [b]) => a.localeCompare(b)),
        ),
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
