import type { IncomingMessage, ServerResponse } from "node:http";
import {
  assertSettingsAccess,
  IDENTITY_HEADER,
  IdentityTokens,
  parseBearer,
  SessionCookies,
  SSO_BINDING_HEADER,
  type Identity,
} from "@clment/auth";
import {
  AppError,
  assignRequestId,
  createLogger,
  listen,
  readinessAnswer,
  runReadiness,
  type Readiness,
  toAppError,
  type Logger,
} from "@clment/http";
import {
  collectProcessMetrics,
  recordRequest,
  startMetricsServer,
  type MetricsServer,
} from "@clment/metrics";
import { closeRedis, createRedis } from "@clment/queue";
import { ApiKeyUsageBatcher } from "./api-key-usage.batcher.js";
import { createApiReference } from "./api-reference.js";
import { clientIp, limitSubject } from "./client-ip.js";
import { serveConsole } from "./console.static.js";
import type { GatewayConfig } from "./config.js";
import { CredentialVerifier, type CredentialCheck } from "./credential.verifier.js";
import { malformedHttpResponse, writeError, writeJson } from "./http.errors.js";
import { loginEmail, readSmallBody } from "./login.body.js";
import { GatewayRateLimiter, setRateLimitHeaders } from "./rate.limiter.js";
import { parseRequestPath } from "./request-path.js";
import { revocationConsumer } from "./revocation.consumer.js";
import { compileRoutes, UPSTREAMS } from "./route.table.js";
import { securityHeaders, setSecurityHeaders } from "./security.headers.js";
import { sessionCookieCredential } from "./session-cookie.credential.js";
import { SettingsClient } from "./settings.client.js";
import { BUFFERED_BODY, createUpstreamProxies, type BufferedRequest } from "./upstream.proxy.js";

export interface RunningGateway {
  url: string;
  port: number;
  /** The internal metrics server's URL (`/metrics` below it), when METRICS_PORT is set. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** What the access log and metrics learn about a request while it is handled. */
interface RequestFacts {
  route: string;
  organizationId: string | null;
}

/**
 * Starts one gateway instance of a region: the only public entry. Per request it decides the
 * route, authenticates and counts the rate limit (one batched Redis script call), applies the
 * settings rule, then streams the request to the owning service with a signed identity token.
 */
export async function startGateway(
  config: GatewayConfig,
  options: { logger?: Logger } = {},
): Promise<RunningGateway> {
  const logger =
    options.logger ??
    createLogger({ service: "gateway", region: config.REGION, level: config.LOG_LEVEL });
  // One line per request (id, method, path without query, status, time) when `info` is on.
  const accessLog = logger.isLevelEnabled("info");
  const onRedisError = (error: Error) => logger.debug({ err: error }, "redis connection error");
  const redis = createRedis(config.REDIS_URL, "client", onRedisError);
  const workerRedis = createRedis(config.REDIS_URL, "worker", onRedisError);
  const tokens = new IdentityTokens(
    config.IDENTITY_SECRET,
    config.REGION,
    config.IDENTITY_ACCEPTED_SECRETS,
  );
  const settings = new SettingsClient(config.upstreams.settings, tokens, logger);
  const verifier = new CredentialVerifier(redis, config.redisPrefix, settings, logger);
  const limiter = new GatewayRateLimiter(redis, config.redisPrefix, config.rateLimits, logger);
  const countRequest = limiter.credentialCounter.bind(limiter);
  const cookies = new SessionCookies({
    publicBaseUrl: config.publicBaseUrl,
    secret: config.IDENTITY_SECRET,
    acceptedSecrets: config.IDENTITY_ACCEPTED_SECRETS,
  });
  const usage = new ApiKeyUsageBatcher(settings, config.LAST_USED_FLUSH_MS, logger);
  const matchRoute = compileRoutes();
  const headers = securityHeaders(config.publicBaseUrl);
  const reference = createApiReference();
  const upstreams = createUpstreamProxies({
    upstreams: config.upstreams,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    onError(error, req, res, upstream) {
      const requestId = String(res.getHeader("x-request-id") ?? "");
      logger.warn({ err: error, requestId, upstream }, "upstream unavailable");
      writeError(res, new AppError("SERVICE_UNAVAILABLE"), requestId);
    },
  });
  const consumer = revocationConsumer({
    redis,
    workerConnection: workerRedis,
    redisPrefix: config.redisPrefix,
    region: config.REGION,
    logger,
  });

  const readiness: Readiness = {
    // Each service the gateway routes to answers its own /readyz (its Postgres), so this says
    // whether the region can serve: it is for smoke tests after a rollout. Orchestrators probe
    // the gateway's /healthz instead, since one service or database down must not take every
    // gateway out of routing (the gateway answers 503 for that service's routes).
    required: Object.fromEntries(
      UPSTREAMS.map((name) => [name, () => checkReady(config.upstreams[name])] as const),
    ),
    // Without Redis the gateway still serves: credentials go to settings, limits fail open.
    degradable: {
      redis: async () => {
        await redis.ping();
      },
    },
  };

  /**
   * The readiness answer, computed at most once per `READINESS_CACHE_MS` whatever the traffic:
   * `/readyz` is public and unauthenticated (API.md), and each run asks every service (and each
   * service its Postgres), so concurrent and repeated calls share one run.
   */
  let readinessRun: { at: number; result: ReturnType<typeof runReadiness> } | undefined;
  function readinessResult(): ReturnType<typeof runReadiness> {
    const now = Date.now();
    if (!readinessRun || now - readinessRun.at >= READINESS_CACHE_MS) {
      readinessRun = { at: now, result: runReadiness(readiness, READINESS_TIMEOUT_MS) };
    }
    return readinessRun.result;
  }

  /**
   * Without an Authorization header: the console's session cookie, if the request has one
   * (Bearer requests never come here). A cookie that gets 401 is removed from the browser.
   */
  async function checkSessionCookie(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<CredentialCheck> {
    const token = cookies.sessionTokenOf(req.headers.cookie);
    if (token === undefined) return verifier.check(null, countRequest);
    try {
      return await verifier.check(sessionCookieCredential(req, token, cookies), countRequest);
    } catch (error) {
      if (error instanceof AppError && error.code === "UNAUTHORIZED") {
        res.setHeader("set-cookie", cookies.clear());
      }
      throw error;
    }
  }

  async function forward(
    req: IncomingMessage,
    res: ServerResponse,
    facts: RequestFacts,
  ): Promise<void> {
    const path = parseRequestPath(req.url ?? "/");
    if (!path) {
      throw new AppError("VALIDATION_ERROR", "The request path is not valid", [
        { path: "path", message: "has invalid percent-encoding" },
      ]);
    }
    const route = matchRoute(path.decision);
    if (!route) throw new AppError("NOT_FOUND", `No route for ${req.method} ${path.forward}`);
    facts.route = route.prefix;

    // Identity comes from the gateway only; the credential itself never leaves it.
    delete req.headers[IDENTITY_HEADER];
    // So does the SSO binding: only ever the browser's binding cookie, on the callback.
    delete req.headers[SSO_BINDING_HEADER];
    if (req.method === "GET" && isSsoCallback(path.decision)) {
      const binding = cookies.ssoBindingOf(req.headers.cookie);
      if (binding !== undefined) req.headers[SSO_BINDING_HEADER] = binding;
    }
    if (route.access === "public") {
      const ip = limitSubject(
        clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], config.TRUST_PROXY_HOPS),
      );
      if (route.prefix === "/v1/auth/login" && req.method === "POST") {
        // The email is in the body: read it (small, capped), count, then send it on as read.
        const body = await readSmallBody(req);
        (req as BufferedRequest)[BUFFERED_BODY] = body;
        await limiter.authAttempt(ip, loginEmail(body) ?? "");
      } else {
        await limiter.authAttempt(ip);
      }
    } else {
      // The lookup and the limit's count are one Redis round trip (by the credential's hash).
      const { authorization, cookie } = req.headers;
      const { credential, limit } =
        authorization === undefined && cookie !== undefined
          ? await checkSessionCookie(req, res)
          : await verifier.check(parseBearer(authorization), countRequest);
      if (limit) setRateLimitHeaders(res, limit);
      facts.organizationId = credential.organizationId;
      const identity: Identity = {
        organizationId: credential.organizationId,
        principal: credential.principal,
        role: credential.role,
        region: config.REGION,
      };
      if (route.access === "settings") assertSettingsAccess(identity);
      if (identity.principal.type === "api_key") usage.used(identity.principal.id);
      req.headers[IDENTITY_HEADER] = await tokens.sign(identity);
    }
    delete req.headers.authorization;
    // Nor does the console's session cookie: services see the identity token only.
    if (req.headers.cookie !== undefined) delete req.headers.cookie;
    // The upstream gets exactly the path that was authorized.
    req.url = path.forward + path.search;
    await upstreams.proxies[route.upstream](req, res);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = assignRequestId(req, res);
    setSecurityHeaders(res, headers);
    const url = req.url ?? "/";
    const pathname = url.split("?", 1)[0]!;
    const facts: RequestFacts = { route: "unmatched", organizationId: null };
    const started = performance.now();
    res.once("finish", () => {
      const seconds = (performance.now() - started) / 1000;
      recordRequest("gateway", req.method ?? "", facts.route, res.statusCode, seconds);
      if (accessLog) {
        logger.info(
          {
            requestId,
            organizationId: facts.organizationId,
            method: req.method,
            path: pathname,
            status: res.statusCode,
            ms: Math.round(seconds * 10_000) / 10,
          },
          "request",
        );
      }
    });
    if (pathname === "/healthz" || pathname === "/readyz") facts.route = pathname;
    if (pathname === "/healthz") return writeJson(res, 200, { data: { status: "ok" } });
    if (reference.handle(req.method, pathname ?? "", res)) return;
    if (serveConsole(req.method, pathname ?? "", res, requestId)) return;
    if (pathname === "/readyz") {
      readinessResult().then(
        (result) => {
          const answer = readinessAnswer(result, readiness);
          if (answer instanceof AppError) writeError(res, answer, requestId);
          else writeJson(res, answer.status, answer.body);
        },
        (error: unknown) => fail(error),
      );
      return;
    }
    forward(req, res, facts).catch(fail);

    function fail(error: unknown): void {
      const appError = toAppError(error);
      if (appError.status >= 500) logger.error({ err: error, requestId }, "request failed");
      writeError(res, appError, requestId);
    }
  }

  // Serve with a warm cache connection; without Redis the gateway still works, through settings.
  await redis.ping().catch((error: unknown) => {
    logger.warn({ err: error }, "Redis unreachable at start; credentials go to settings directly");
  });
  await consumer.start();
  usage.start();
  const server = await listen(handle, config.PORT, config.HOST);
  server.server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code !== "ECONNRESET" && socket.writable) socket.end(malformedHttpResponse());
    else socket.destroy();
  });
  let metrics: MetricsServer | undefined;
  if (config.METRICS_PORT) {
    collectProcessMetrics();
    metrics = await startMetricsServer(config.METRICS_PORT, config.HOST);
  }
  logger.info({ url: server.url, publicBaseUrl: config.publicBaseUrl }, "gateway listening");

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    await server.close();
    await metrics?.close();
    await usage.close();
    await consumer.stop();
    upstreams.close();
    await Promise.all([closeRedis(redis), closeRedis(workerRedis)]);
  }
  return {
    url: server.url,
    port: server.port,
    ...(metrics ? { metricsUrl: metrics.url } : {}),
    close: () => (closing ??= shutdown()),
  };
}

const SSO_CALLBACK = ["v1", "auth", "sso", "callback"];

/** `/v1/auth/sso/callback` exactly (lower-cased segments), the one route the binding goes to. */
function isSsoCallback(segments: readonly string[]): boolean {
  return segments.length === SSO_CALLBACK.length && SSO_CALLBACK.every((s, i) => segments[i] === s);
}

/**
 * A service's own readiness checks give up after 2 s (runReadiness), so its answer is awaited a
 * little longer than that, and the gateway's checks a little longer again.
 */
const SERVICE_READY_TIMEOUT_MS = 2_500;
const READINESS_TIMEOUT_MS = 3_000;
/** How long one readiness answer is reused (a run in progress is shared too). */
const READINESS_CACHE_MS = 1_000;

/** The service's /readyz answers 200: its Postgres answers (Redis down only degrades it). */
async function checkReady(baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}/readyz`, {
    signal: AbortSignal.timeout(SERVICE_READY_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${baseUrl}/readyz answered ${response.status}`);
}
