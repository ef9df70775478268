import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The Prometheus metrics of a process, in one registry. Every metric carries a `service` label,
 * so several services in one process (the in-process test region) stay apart. Services and
 * shared packages increment these; `startMetricsServer` exposes them on an internal port.
 */
export const registry = new Registry();

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new Counter({
  name: "clment_http_requests_total",
  help: "HTTP requests answered, by route and status",
  labelNames: ["service", "method", "route", "status"] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: "clment_http_request_duration_seconds",
  help: "HTTP request latency, by route and status",
  labelNames: ["service", "method", "route", "status"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

interface RequestSeries {
  count: { inc(): void };
  duration: { observe(seconds: number): void };
}

const requestSeries = new Map<string, RequestSeries>();

/**
 * Counts and times one answered request. The labelled series are looked up once per label
 * combination and kept (prom-client would otherwise hash the label object on every call, a
 * measurable share of the gateway's per-request time). Routes are patterns, never raw paths,
 * and Node's parser knows a fixed set of methods, so the combinations are few.
 */
export function recordRequest(
  service: string,
  method: string,
  route: string,
  status: number,
  seconds: number,
): void {
  const key = `${service} ${method} ${route} ${status}`;
  let series = requestSeries.get(key);
  if (!series) {
    const labels = [service, method, route, String(status)] as const;
    series = {
      count: httpRequests.labels(...labels),
      duration: httpRequestDuration.labels(...labels),
    };
    requestSeries.set(key, series);
  }
  series.count.inc();
  series.duration.observe(seconds);
}

export const jobDuration = new Histogram({
  name: "clment_job_duration_seconds",
  help: "Queue job processing time, by queue and outcome (completed, failed)",
  labelNames: ["service", "queue", "outcome"] as const,
  buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60, 120],
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: "clment_queue_depth",
  help: "Jobs of a queue the service works, by state (waiting, active, delayed, failed; sampled at scrape)",
  labelNames: ["service", "queue", "state"] as const,
  registers: [registry],
});

export const eventsFailing = new Gauge({
  name: "clment_events_failing",
  help: "Consumed events whose handling failed: waiting for their next attempt (state=retrying) or for the re-drive (state=failed); sampled at scrape",
  labelNames: ["service", "queue", "state"] as const,
  registers: [registry],
});

export const outboxLag = new Gauge({
  name: "clment_outbox_lag_seconds",
  help: "Age of the oldest unpublished outbox event (0 when none; sampled at scrape)",
  labelNames: ["service"] as const,
  registers: [registry],
});

export const creditReservations = new Counter({
  name: "clment_credit_reservations_total",
  help: "Credit reservations by outcome (reserved, insufficient, captured, released)",
  labelNames: ["service", "outcome"] as const,
  registers: [registry],
});

export const webhookDeliveries = new Counter({
  name: "clment_webhook_deliveries_total",
  help: "Webhook delivery attempts by outcome (delivered, failed, retried, blocked)",
  labelNames: ["service", "outcome"] as const,
  registers: [registry],
});

export const rateLimited = new Counter({
  name: "clment_rate_limited_total",
  help: "Requests refused with 429, by limit",
  labelNames: ["service", "limit"] as const,
  registers: [registry],
});

let defaultsCollected = false;
/** Process metrics (CPU, memory, event loop lag), once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry, prefix: "clment_" });
}

/** Samplers run before each scrape (queue depth, outbox lag); each returns its unregister. */
const samplers = new Set<() => Promise<void>>();
export function addScrapeSampler(sample: () => Promise<void>): () => void {
  samplers.add(sample);
  return () => samplers.delete(sample);
}

/** The text exposition of every metric, after running the samplers (failures are skipped). */
export async function renderMetrics(): Promise<string> {
  await Promise.all([...samplers].map((sample) => sample().catch(() => undefined)));
  return registry.metrics();
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on an internal port (`METRICS_PORT`; never the public one). Port 0 picks
 * a free port; callers skip this entirely when metrics are off.
 */
export async function startMetricsServer(port: number, host = "127.0.0.1"): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?", 1)[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    renderMetrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n"),
    );
  });
  server.listen(port, host);
  await once(server, "listening");
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
