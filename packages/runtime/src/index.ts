import { join, resolve } from "node:path";
import type { Express, RequestHandler } from "express";
import { sql, type Kysely } from "kysely";
import type { Migration } from "@clment/db";
import { COMMON_RETENTION_RULES, startRetention, type RetentionRule } from "./retention.js";
import { IdentityTokens, requireIdentity } from "@clment/auth";
import { commonEnv, loadConfig, portField, redisPrefix, z } from "@clment/config";
import { createDatabase, migrate, type Database } from "@clment/db";
import { idempotency } from "@clment/idempotency";
import {
  addScrapeSampler,
  collectProcessMetrics,
  recordRequest,
  outboxLag,
  queueDepth,
  startMetricsServer,
  type MetricsServer,
} from "@clment/metrics";
import {
  createLogger,
  createServiceApp,
  listen,
  type Logger,
  type RunningServer,
} from "@clment/http";
import {
  closeRedis,
  consumerQueueName,
  createRedis,
  EventConsumer,
  OutboxRelay,
  queueSettings,
  type EventHandlers,
  type QueueSettings,
  type Redis,
} from "@clment/queue";

/** The environment every service process reads. */
export const serviceEnvSchema = z.object({
  ...commonEnv,
  PORT: portField.default(0),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: z.string().url(),
  /** The public base URL of this region's API, e.g. https://eu.clment.com/v1. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** Where this region's files live (e.g. uploaded documents). Defaults to `.data/<region>`. */
  DATA_DIR: z.string().min(1).optional(),
  /** Peer services of the region, for the services that call them over internal HTTP. */
  CONTRACTS_URL: z.string().url().optional(),
  CREDITS_URL: z.string().url().optional(),
  /** Internal port of `GET /metrics` (Prometheus); unset or 0: no metrics server. */
  METRICS_PORT: portField.optional(),
  /** How often expired rows are deleted (retention.ts); 10 minutes. */
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(600_000),
});

export type ServiceEnv = z.input<typeof serviceEnvSchema>;
export type ServiceConfig = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(serviceEnvSchema, env);
  return {
    ...config,
    redisPrefix: redisPrefix(config.REGION, config.REDIS_PREFIX),
    publicBaseUrl: config.PUBLIC_BASE_URL ?? `https://${config.REGION}.clment.com/v1`,
    dataDir: resolve(config.DATA_DIR ?? join(".data", config.REGION)),
  };
}

/** A BullMQ worker as the runtime sees it: the queue it takes jobs from, and how it stops. */
export interface QueueWorker {
  readonly name: string;
  /** Stops taking jobs at once, then resolves when the jobs it holds have finished. */
  close(): Promise<void>;
}

/** What a service's wiring hands to its routes, jobs and consumers. */
export interface ServiceContext<DB> {
  name: string;
  config: ServiceConfig;
  logger: Logger;
  database: Database<DB>;
  db: Kysely<DB>;
  /** Fail-fast Redis connection for requests. */
  redis: Redis;
  queues: QueueSettings;
  tokens: IdentityTokens;
  relay: OutboxRelay;
  /** A new blocking Redis connection (for BullMQ workers), closed with the service. */
  workerConnection(): Redis;
  /**
   * Registers a queue worker of the service; returns it. When the service begins stopping, the
   * worker stops taking jobs at once (while HTTP requests drain) and the service waits for its
   * active jobs before closing anything else. Its queue counts in `clment_queue_depth`.
   */
  worker<W extends QueueWorker>(worker: W): W;
  /** Runs `fn` when the service stops, before its connections close (last registered first). */
  onClose(fn: () => Promise<void>): void;
}

export interface ServiceDefinition<DB> {
  name: string;
  /** The Postgres schema the service owns. */
  schema: string;
  migrations: Record<string, Migration>;
  /**
   * Mounts the few routes a caller reaches without an identity token (sign-up, login), before
   * the identity check. Anything not answered here falls through to that check.
   */
  publicRoutes?(app: Express, context: ServiceContext<DB>): void;
  /** Mounts routes. `/v1` and `/internal` routes here are behind the identity check. */
  routes(app: Express, context: ServiceContext<DB>): void;
  /** Event handlers; the service gets its own event queue for them. */
  consumers?(context: ServiceContext<DB>): EventHandlers;
  /** Starts queue workers and anything else that runs beside the HTTP server. */
  start?(context: ServiceContext<DB>): Promise<void>;
  /** Extra readiness checks beside Postgres (required) and Redis (degradable). */
  readiness?(context: ServiceContext<DB>): Record<string, () => Promise<void>>;
  /** Rows of the service's own tables to delete once expired, besides COMMON_RETENTION_RULES. */
  retention?: readonly RetentionRule[];
}

export interface RunningService<DB = unknown> {
  name: string;
  url: string;
  port: number;
  /** The internal metrics server's URL (`/metrics` below it), when METRICS_PORT is set. */
  metricsUrl?: string;
  context: ServiceContext<DB>;
  /** The express app (its routes are compared with the OpenAPI document in tests). */
  app: Express;
  close(): Promise<void>;
}

export async function startService<DB>(
  definition: ServiceDefinition<DB>,
  config: ServiceConfig,
  options: { logger?: Logger } = {},
): Promise<RunningService<DB>> {
  const logger =
    options.logger ??
    createLogger({ service: definition.name, region: config.REGION, level: config.LOG_LEVEL });
  const closers: (() => Promise<void>)[] = [];
  const workers: QueueWorker[] = [];
  const connections: Redis[] = [];
  const onRedisError = (error: Error) => logger.debug({ err: error }, "redis connection error");
  const database = createDatabase<DB>({
    url: config.DATABASE_URL,
    schema: definition.schema,
    onError: (error) => logger.warn({ err: error }, "postgres client error"),
  });
  const redis = createRedis(config.REDIS_URL, "client", onRedisError);
  connections.push(redis);
  const queues = queueSettings(config.redisPrefix);
  const tokens = new IdentityTokens(
    config.IDENTITY_SECRET,
    config.REGION,
    config.IDENTITY_ACCEPTED_SECRETS,
  );
  const relay = new OutboxRelay({
    db: database.db as Kysely<unknown>,
    redis,
    settings: queues,
    logger,
    region: config.REGION,
  });
  const context: ServiceContext<DB> = {
    name: definition.name,
    config,
    logger,
    database,
    db: database.db,
    redis,
    queues,
    tokens,
    relay,
    workerConnection() {
      const connection = createRedis(config.REDIS_URL, "worker", onRedisError);
      connections.push(connection);
      return connection;
    },
    worker(worker) {
      workers.push(worker);
      return worker;
    },
    onClose(fn) {
      closers.push(fn);
    },
  };

  const app = createServiceApp({
    name: definition.name,
    logger,
    readiness: {
      required: { postgres: () => database.ping(), ...definition.readiness?.(context) },
      // Without Redis a service still serves: events wait in the outbox, jobs are re-queued.
      degradable: {
        redis: async () => {
          await redis.ping();
        },
      },
    },
    routes(app) {
      app.use(observeRequests(definition.name));
      definition.publicRoutes?.(app, context);
      app.use(["/v1", "/internal"], requireIdentity(tokens));
      // Idempotency-Key on every POST of the public API, per organization, in the service's schema.
      app.use(
        "/v1",
        idempotency({
          db: database.db as Kysely<unknown>,
          logger,
          // A key is also bound to the first service of the region that saw it.
          region: { redis, prefix: config.redisPrefix, service: definition.name },
        }),
      );
      definition.routes(app, context);
    },
  });

  const handlers = definition.consumers?.(context);
  let consumer: EventConsumer | undefined;
  let server: RunningServer | undefined;
  let metrics: MetricsServer | undefined;
  const eventQueue = handlers ? [consumerQueueName(definition.name)] : [];
  closers.push(samplers(context, () => [...eventQueue, ...workers.map((worker) => worker.name)]));
  try {
    if (handlers) {
      consumer = new EventConsumer({
        name: definition.name,
        handlers,
        db: database.db as Kysely<unknown>,
        workerConnection: context.workerConnection(),
        settings: queues,
        logger,
        region: config.REGION,
      });
      await consumer.start();
    }
    await definition.start?.(context);
    closers.push(
      startRetention({
        db: database.db as Kysely<unknown>,
        rules: retentionRules(definition),
        logger,
        intervalMs: config.RETENTION_INTERVAL_MS,
      }),
    );
    relay.start();
    server = await listen(app, config.PORT, config.HOST);
    if (config.METRICS_PORT) {
      collectProcessMetrics();
      metrics = await startMetricsServer(config.METRICS_PORT, config.HOST);
    }
  } catch (error) {
    await shutdown();
    throw error;
  }
  logger.info({ url: server.url }, `${definition.name} listening`);

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    // Workers stop taking jobs when the HTTP drain begins, not after it: a job taken during the
    // drain may not finish before the platform's grace period ends, and a job killed over and
    // over is given up on. Their active jobs finish meanwhile.
    await Promise.all([
      server?.close(),
      consumer?.stop(),
      ...workers.map((worker) => worker.close()),
    ]);
    await metrics?.close();
    for (const close of closers.reverse()) await close();
    await relay.stop();
    await Promise.all(connections.map(closeRedis));
    await database.close();
  }
  return {
    name: definition.name,
    url: server.url,
    port: server.port,
    ...(metrics ? { metricsUrl: metrics.url } : {}),
    context,
    app,
    close: () => (closing ??= shutdown()),
  };
}

/**
 * Counts and times every request by route (the matched express pattern, never the raw path) and
 * status, and logs one line per request with its id, organization and region (in the logger's
 * base) at `info`.
 */
function observeRequests(service: string): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once("finish", () => {
      const seconds = (performance.now() - started) / 1000;
      const matched = (req as { route?: { path?: unknown } }).route?.path;
      const route = typeof matched === "string" ? req.baseUrl + matched : "unmatched";
      recordRequest(service, req.method, route, res.statusCode, seconds);
      const log = (req as { log?: Logger }).log;
      if (log?.isLevelEnabled("info") && req.path !== "/healthz" && req.path !== "/readyz") {
        const identity = res.locals.identity as { organizationId?: string } | undefined;
        log.info(
          {
            organizationId: identity?.organizationId ?? null,
            method: req.method,
            route,
            status: res.statusCode,
            ms: Math.round(seconds * 10_000) / 10,
          },
          "request",
        );
      }
    });
    next();
  };
}

/** The states of a BullMQ queue's jobs that `clment_queue_depth` counts, with their Redis keys. */
const QUEUE_STATES = {
  // A waiting job sits in `wait`, in `prioritized` when it has a priority, or in `paused`.
  waiting: [
    ["llen", "wait"],
    ["llen", "paused"],
    ["zcard", "prioritized"],
  ],
  active: [["llen", "active"]],
  delayed: [["zcard", "delayed"]],
  failed: [["zcard", "failed"]],
} as const;

/** How long a scrape waits for the queue counts before leaving the last ones. */
const QUEUE_SAMPLE_TIMEOUT_MS = 1_000;

/**
 * Samples the outbox lag and the depth of every queue of the service (its event queue and its
 * workers' queues, listed by `queueNames`) at each scrape; returns the unregister. The queue counts
 * are one Redis round trip, skipped while Redis is down and given up after a second.
 */
function samplers<DB>(context: ServiceContext<DB>, queueNames: () => string[]) {
  const service = context.name;
  const stop = addScrapeSampler(async () => {
    const row = await sql<{ lag: number | null }>`
      select extract(epoch from now() - min(created_at))::float8 as lag
      from outbox where published_at is null`.execute(context.db as Kysely<unknown>);
    outboxLag.set({ service }, row.rows[0]?.lag ?? 0);
  });
  const stopQueue = addScrapeSampler(async () => {
    const queues = [...new Set(queueNames())];
    if (queues.length === 0 || context.redis.status !== "ready") return;
    const pipeline = context.redis.pipeline();
    for (const queue of queues) {
      for (const keys of Object.values(QUEUE_STATES)) {
        for (const [command, suffix] of keys) {
          pipeline[command](`${context.queues.bullPrefix}:${queue}:${suffix}`);
        }
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const replies = await Promise.race([
      pipeline.exec(),
      new Promise<null>(
        (resolve) => (timer = setTimeout(() => resolve(null), QUEUE_SAMPLE_TIMEOUT_MS)),
      ),
    ]).finally(() => clearTimeout(timer));
    if (!replies || replies.some(([error]) => error)) return;
    // The replies come in the order of the commands: per queue, per state, per key.
    const counts = replies.map(([, value]) => Number(value));
    for (const queue of queues) {
      for (const [state, keys] of Object.entries(QUEUE_STATES)) {
        const count = counts.splice(0, keys.length).reduce((sum, n) => sum + n, 0);
        queueDepth.set({ service, queue, state }, count);
      }
    }
  });
  return async () => {
    stop();
    stopQueue();
  };
}

/**
 * The `main` of a service process: `node dist/main.js migrate` runs its migrations and exits;
 * without arguments it starts and stops cleanly on SIGINT or SIGTERM.
 */
export async function runServiceMain<DB>(definition: ServiceDefinition<DB>): Promise<void> {
  const config = loadServiceConfig();
  if (process.argv[2] === "migrate") {
    const applied = await migrate(config.DATABASE_URL, definition.schema, definition.migrations);
    console.log(`${definition.name}: ${applied.length} migration(s) applied`);
    return;
  }
  const service = await startService(definition, config);
  onShutdownSignal(() => service.close());
}

/** Calls `stop` once on SIGINT/SIGTERM, then exits 0 (1 if stopping failed). */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export { migrate };
export { perContext } from "./per-context.js";
export * from "./retention.js";
/** For the migration of every service schema's idempotency keys. */
export { createIdempotencyKeysTable, dropIdempotencyKeysTable } from "@clment/idempotency";

/** Every retention rule a service runs: the common ones, then its own. */
export function retentionRules<DB>(definition: ServiceDefinition<DB>): RetentionRule[] {
  return [...COMMON_RETENTION_RULES, ...(definition.retention ?? [])];
}

/** The process's Prometheus metrics (@clment/metrics), for services to increment. */
export * as metrics from "@clment/metrics";
