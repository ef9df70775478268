import { createHash } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import { requestFingerprint } from "./fingerprint.js";
import { IdempotencyRepository, type StoredResponse } from "./idempotency.repository.js";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** How long a stored response is replayed. */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 60 * 60;
/** How long a request may hold its key before a retry may assume its process died. */
export const IDEMPOTENCY_LEASE_SECONDS = 5 * 60;

/** The part of an ioredis client the region-wide claim needs. */
export interface KeyClaimStore {
  set(key: string, value: string, ex: "EX", seconds: number, nx: "NX"): Promise<string | null>;
  get(key: string): Promise<string | null>;
}

export interface IdempotencyOptions {
  /** The service's database; its schema has an `idempotency_keys` table. */
  db: Kysely<unknown>;
  logger: Logger;
  /**
   * The region's Redis, where a key is bound to the first service that saw it, so the same key
   * sent to another service (another route family) is 409 IDEMPOTENCY_KEY_REUSED rather than a
   * second piece of work. Without it, keys are checked within this service only.
   */
  region?: { redis: KeyClaimStore; prefix: string; service: string };
  retentionSeconds?: number;
  leaseSeconds?: number;
}

/**
 * Whether a response is the request's final answer, stored and replayed for the key. Not stored
 * (the key is freed, so a retry does the work): server errors and 429, which a retry may get
 * past; 402, 409 and 401/403, which depend on state (credits, the resource) or on who calls
 * (keys are per organization, not per principal), and describe work that did not happen.
 */
export function isFinalResponse(status: number): boolean {
  if (status >= 200 && status < 300) return true;
  return status >= 400 && status < 500 && ![401, 402, 403, 409, 429].includes(status);
}

/**
 * `Idempotency-Key` for POST requests, per organization (see ../README.md): the same key with
 * the same method, path and body within 24 hours replays the stored status and body with
 * `Idempotent-Replayed: true`; a different request with the key is 409 IDEMPOTENCY_KEY_REUSED;
 * a request still in flight with the key is 409 CONFLICT. A response sent with
 * `Cache-Control: no-store` (one that shows a secret once) is not kept: the key then answers
 * 409 CONFLICT saying the first request succeeded. Mount after the identity check.
 */
export function idempotency(options: IdempotencyOptions): RequestHandler {
  const repository = new IdempotencyRepository(
    options.db,
    options.retentionSeconds ?? IDEMPOTENCY_RETENTION_SECONDS,
    options.leaseSeconds ?? IDEMPOTENCY_LEASE_SECONDS,
  );
  const region = options.region && regionClaims(options.region, options.logger, retention(options));
  return (req, res, next) => {
    if (req.method !== "POST") return next();
    const header = req.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next();
    const identity = res.locals.identity as Identity | undefined;
    // Only requests of an organization have keys; the identity check answers the rest.
    if (!identity) return next();
    const key = Array.isArray(header) ? header.join(", ") : header;
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return next(
        new AppError("VALIDATION_ERROR", "Invalid Idempotency-Key header", [
          {
            path: "headers.idempotency-key",
            message: `must be between 1 and ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
          },
        ]),
      );
    }
    const organizationId = identity.organizationId;
    (region ? region(organizationId, key) : Promise.resolve())
      .then(() => handle(repository, options.logger, organizationId, key, req, res))
      .then((proceed) => {
        if (proceed) next();
      }, next);
  };
}

function retention(options: IdempotencyOptions): number {
  return options.retentionSeconds ?? IDEMPOTENCY_RETENTION_SECONDS;
}

/**
 * Binds a key to the first service of the region that saw it (for as long as keys are kept):
 * another service answers 409 IDEMPOTENCY_KEY_REUSED. The key is hashed, the organization scopes
 * it. Redis being unavailable only loses this check (logged at most every 5 s); each service
 * still checks its own keys in its database.
 */
function regionClaims(
  { redis, prefix, service }: NonNullable<IdempotencyOptions["region"]>,
  logger: Logger,
  seconds: number,
): (organizationId: string, key: string) => Promise<void> {
  let lastWarning = 0;
  return async (organizationId, key) => {
    const claimKey = `${prefix}:idempotency:${organizationId}:${createHash("sha256").update(key).digest("hex")}`;
    let holder: string | null;
    try {
      const claimed = await redis.set(claimKey, service, "EX", seconds, "NX");
      holder = claimed === "OK" ? service : await redis.get(claimKey);
    } catch (error) {
      if (Date.now() - lastWarning > 5_000) {
        lastWarning = Date.now();
        logger.warn({ err: error }, "idempotency keys checked within this service only (Redis)");
      }
      return;
    }
    // null: the claim expired between the two commands; the service's own check still holds.
    if (holder !== null && holder !== service) throw new AppError("IDEMPOTENCY_KEY_REUSED");
  };
}

/** Claims the key or answers from it; resolves true when the route should run. */
async function handle(
  repository: IdempotencyRepository,
  logger: Logger,
  organizationId: string,
  key: string,
  req: Request,
  res: Response,
): Promise<boolean> {
  const claim = await repository.claim({
    organizationId,
    key,
    method: req.method,
    path: req.originalUrl,
    requestHash: requestFingerprint({
      method: req.method,
      url: req.originalUrl,
      headers: req.headers,
      body: req.body as unknown,
    }),
  });
  switch (claim.outcome) {
    case "mismatch":
      throw new AppError("IDEMPOTENCY_KEY_REUSED");
    case "in_flight":
      throw new AppError(
        "CONFLICT",
        "A request with this Idempotency-Key is still being processed; retry later",
      );
    case "replay": {
      const { body } = claim.response;
      if (body === null) {
        throw new AppError(
          "CONFLICT",
          "A request with this Idempotency-Key already succeeded; its response held a secret that is shown only once",
        );
      }
      replay(res, { ...claim.response, body });
      return false;
    }
    case "claimed":
      captureResponse(res, async (response) => {
        try {
          if (isFinalResponse(response.status)) {
            // A response that must not be stored (a secret shown once) keeps only its outcome.
            const noStore =
              response.status < 300 &&
              /\bno-store\b/i.test(String(res.getHeader("cache-control") ?? ""));
            await repository.complete(
              organizationId,
              key,
              claim.lockId,
              noStore ? { ...response, contentType: null, body: null } : response,
            );
          } else {
            await repository.release(organizationId, key, claim.lockId);
          }
        } catch (error) {
          // The work is done and its answer goes out; the key stays claimed until its lease ends.
          logger.error(
            { err: error, requestId: res.locals.requestId },
            "could not store the idempotent response",
          );
        }
      });
      return true;
  }
}

function replay(res: Response, stored: StoredResponse & { body: Buffer }): void {
  res.status(stored.status);
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, "true");
  if (stored.contentType) res.setHeader("Content-Type", stored.contentType);
  res.end(stored.body);
}

type EndCallback = () => void;

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(
    String(chunk),
    typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
  );
}

/**
 * Collects what the route writes and, before the response ends, hands it to `store`: the stored
 * answer is in place before the client can see it and retry.
 */
function captureResponse(res: Response, store: (response: StoredResponse) => Promise<void>): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") {
      chunks.push(toBuffer(chunk, rest[0]));
    }
    return write(chunk, ...rest);
  }) as Response["write"];
  let ended = false;
  res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
    if (ended) return res;
    ended = true;
    let body = chunk;
    let enc = encoding;
    let cb = callback;
    if (typeof body === "function") {
      cb = body;
      body = undefined;
      enc = undefined;
    } else if (typeof enc === "function") {
      cb = enc;
      enc = undefined;
    }
    if (body !== undefined && body !== null) chunks.push(toBuffer(body, enc));
    const contentType = res.getHeader("content-type");
    void store({
      status: res.statusCode,
      contentType: typeof contentType === "string" ? contentType : null,
      body: Buffer.concat(chunks),
    }).finally(() => {
      const args: unknown[] = [];
      if (body !== undefined && body !== null) args.push(body);
      if (enc !== undefined && args.length > 0) args.push(enc);
      if (typeof cb === "function") args.push(cb as EndCallback);
      end(...args);
    });
    return res;
  }) as Response["end"];
}
