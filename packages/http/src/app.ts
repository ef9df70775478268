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
  readiness: Record<string, ReadinessCheck>;
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

export async function runReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 2_000,
): Promise<{ ok: boolean; checks: Record<string, "ok" | "failed"> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
          }),
        ]);
        return [name, "ok"] as const;
      } catch {
        return [name, "failed"] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: entries.every(([, s]) => s === "ok"), checks: Object.fromEntries(entries) };
}

export function healthRoutes(app: Express, readiness: Record<string, ReadinessCheck>): void {
  app.get("/healthz", (_req, res) => {
    res.json({ data: { status: "ok" } });
  });
  app.get("/readyz", async (_req, res) => {
    const result = await runReadiness(readiness);
    if (result.ok) {
      res.json({ data: { status: "ready", checks: result.checks } });
    } else {
      const failed = Object.entries(result.checks).filter(([, status]) => status !== "ok");
      sendError(
        res,
        new AppError(
          "SERVICE_UNAVAILABLE",
          "Not ready",
          failed.map(([name]) => ({ path: name, message: "unreachable" })),
        ),
      );
    }
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
