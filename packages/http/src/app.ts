import express, { type Express, type RequestHandler } from "express";
import type { Logger } from "pino";
import { errorHandler, notFoundHandler, sendError } from "./error-handler.js";
import { AppError } from "./errors.js";
import { assignRequestId } from "./request-id.js";

export const JSON_LIMIT = "1mb";

export type ReadinessCheck = () => Promise<void>;

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  /** Named checks run by `/readyz`; each rejects when its store is unreachable. */
  readiness: Readiness;
  /** Mounts the service's routes. Runs after request id, logging and body parsing. */
  routes: (app: Express) => void;
}

/** Request id on every request and response, with a child logger carrying it. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = assignRequestId(req, res);
    res.locals.requestId = requestId;
    (req as { log?: Logger }).log = logger.child({ requestId });
    next();
  };
}

export interface Readiness {
  /** Checks the process cannot serve without: one failing makes `/readyz` answer 503. */
  required: Record<string, ReadinessCheck>;
  /**
   * Checks the process serves without, in a degraded way (e.g. Redis: events wait in the
   * outbox, caches fall back): one failing is reported, and `/readyz` still answers 200, so an
   * orchestrator does not take every instance out of routing for it.
   */
  degradable?: Record<string, ReadinessCheck>;
}

export interface ReadinessResult {
  ok: boolean;
  status: "ready" | "degraded" | "not_ready";
  checks: Record<string, "ok" | "failed">;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<"ok" | "failed"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return "ok";
  } catch {
    return "failed";
  } finally {
    clearTimeout(timer);
  }
}

export async function runReadiness(
  readiness: Readiness,
  timeoutMs = 2_000,
): Promise<ReadinessResult> {
  const run = (checks: Record<string, ReadinessCheck> = {}) =>
    Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        return [name, await runCheck(check, timeoutMs)] as const;
      }),
    );
  const [required, degradable] = await Promise.all([
    run(readiness.required),
    run(readiness.degradable),
  ]);
  const ok = required.every(([, state]) => state === "ok");
  const degraded = degradable.some(([, state]) => state !== "ok");
  return {
    ok,
    status: !ok ? "not_ready" : degraded ? "degraded" : "ready",
    checks: Object.fromEntries([...required, ...degradable]),
  };
}

/** The `/readyz` answer: 200 with each check's state, or 503 naming the failed required checks. */
export function readinessAnswer(
  result: ReadinessResult,
  readiness: Readiness,
):
  | { status: 200; body: { data: { status: string; checks: ReadinessResult["checks"] } } }
  | AppError {
  if (result.ok)
    return { status: 200, body: { data: { status: result.status, checks: result.checks } } };
  const failed = Object.keys(readiness.required).filter((name) => result.checks[name] !== "ok");
  return new AppError(
    "SERVICE_UNAVAILABLE",
    "Not ready",
    failed.map((name) => ({ path: name, message: "unreachable" })),
  );
}

export function healthRoutes(app: Express, readiness: Readiness): void {
  app.get("/healthz", (_req, res) => {
    res.json({ data: { status: "ok" } });
  });
  app.get("/readyz", async (_req, res) => {
    const answer = readinessAnswer(await runReadiness(readiness), readiness);
    if (answer instanceof AppError) sendError(res, answer);
    else res.status(answer.status).json(answer.body);
  });
}

/**
 * The express app every service starts from: request ids, health endpoints, JSON bodies up to
 * 1 MiB, the service's routes, then 404 and the error envelope for everything else.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use(requestContext(options.logger));
  healthRoutes(app, options.readiness);
  app.use(express.json({ limit: JSON_LIMIT }));
  options.routes(app);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
