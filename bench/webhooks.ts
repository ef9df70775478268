import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { Kysely } from "kysely";
import { Redis } from "ioredis";
import {
  hashSecret,
  IDENTITY_HEADER,
  IdentityTokens,
  INTERNAL_ROUTES,
  serviceIdentity,
  type Identity,
} from "@clment/auth";
import { createDatabase } from "@clment/db";
import { createLogger } from "@clment/http";
import { createRedis, OutboxRelay, queueSettings, writeEvent, type EventMap } from "@clment/queue";
import { freePort } from "@clment/testing";
import type { Metric } from "./lib/metrics.js";
import { startProcess, stopAll, waitReady } from "./lib/processes.js";
import { prepareBenchDatabase, REDIS_URL } from "./lib/stores.js";

const REGION = "us";
const THROUGHPUT_EVENTS = 3_000;
const LATENCY_EVENTS = 200;
const LATENCY_INTERVAL_MS = 20;
const TARGET_P95_MS = 1_000;

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (!res.ok)
    throw new Error(`${init.method ?? "GET"} ${url} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A local receiver answering 204 at once; remembers when each webhook-id first arrived. */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  let waiting: { count: number; resolve: () => void } | undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(204).end();
      if (waiting && arrivals.size >= waiting.count) waiting.resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    until(count: number, timeoutMs: number): Promise<void> {
      if (arrivals.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${arrivals.size} of ${count} webhooks arrived`)),
          timeoutMs,
        );
        waiting = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function reviewCompleted(i: number): EventMap["review.completed"] {
  return {
    review: {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      contractId: "00000000-0000-4000-8000-000000000001",
      playbookId: "00000000-0000-4000-8000-000000000002",
      status: "completed",
      summary: { high: 1, medium: 2, low: 3 },
      error: null,
    },
  };
}

/**
 * Webhook delivery (`pnpm bench`): the settings service runs as its own process (built); this
 * process plays the service that emits events — it commits `review.completed` events to an
 * outbox and kicks its relay after each commit, as every service does — and a local receiver
 * answers 204. Measured: deliveries per second for a burst of events to one endpoint, and the
 * delay from an event's commit to its arrival at the receiver (first attempt) at a steady rate.
 */
export async function benchWebhooks(): Promise<Metric[]> {
  const databaseUrl = await prepareBenchDatabase("clment_bench_webhooks");
  const secret = randomBytes(32).toString("hex");
  const prefix = `clment-bench:${randomBytes(4).toString("hex")}`;
  const port = await freePort();
  const settingsUrl = `http://127.0.0.1:${port}`;
  const tokens = new IdentityTokens(secret, REGION);
  startProcess("settings", "services/settings/dist/main.js", {
    REGION,
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    IDENTITY_SECRET: secret,
    WEBHOOKS_ALLOW_HTTP: "true",
    WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true",
  });
  const receiver = await startReceiver();
  const database = createDatabase<unknown>({ url: databaseUrl, schema: "settings" });
  const redis = createRedis(REDIS_URL, "client");
  const relay = new OutboxRelay({
    db: database.db as Kysely<unknown>,
    redis,
    settings: queueSettings(prefix),
    logger: createLogger({ service: "bench", level: "warn" }),
    region: REGION,
  });
  try {
    await waitReady(`${settingsUrl}/readyz`);
    const owner = await ownerOf(settingsUrl, tokens);
    await json(`${settingsUrl}/v1/settings/webhooks`, {
      method: "POST",
      headers: { [IDENTITY_HEADER]: await tokens.sign(owner) },
      body: JSON.stringify({ url: receiver.url, events: ["review.completed"] }),
    });
    relay.start();
    /** When each event committed (performance.now()), by event id. */
    const committed = new Map<string, number>();
    const emit = async (count: number, offset: number): Promise<string[]> => {
      const ids = await database.db.transaction().execute(async (trx) => {
        const written: string[] = [];
        for (let i = 0; i < count; i++) {
          written.push(
            await writeEvent(trx as Kysely<unknown>, {
              type: "review.completed",
              organizationId: owner.organizationId,
              data: reviewCompleted(offset + i),
            }),
          );
        }
        return written;
      });
      const now = performance.now();
      for (const id of ids) committed.set(id, now);
      relay.kick();
      return ids;
    };

    // Warm-up: connections, JIT, the queues.
    await emit(50, 0);
    await receiver.until(50, 30_000);

    // Throughput: a burst of events, committed 100 per transaction.
    const burstStart = performance.now();
    for (let sent = 0; sent < THROUGHPUT_EVENTS; sent += 100) await emit(100, 50 + sent);
    await receiver.until(50 + THROUGHPUT_EVENTS, 120_000);
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const perSecond = THROUGHPUT_EVENTS / burstSeconds;

    // Delay: one event per transaction at a steady, moderate rate.
    const before = receiver.arrivals.size;
    const latencyIds: string[] = [];
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      latencyIds.push(...(await emit(1, 100_000 + i)));
      await new Promise((r) => setTimeout(r, LATENCY_INTERVAL_MS));
    }
    await receiver.until(before + LATENCY_EVENTS, 60_000);
    const delays = latencyIds.map((id) => receiver.arrivals.get(id)! - committed.get(id)!);
    const p50 = percentile(delays, 50);
    const p95 = percentile(delays, 95);

    console.table([
      {
        run: `burst of ${THROUGHPUT_EVENTS}`,
        "deliveries/s": Math.round(perSecond),
        seconds: burstSeconds.toFixed(1),
      },
      {
        run: `${LATENCY_EVENTS} events, one per ${LATENCY_INTERVAL_MS} ms`,
        "p50 ms": Math.round(p50),
        "p95 ms": Math.round(p95),
        "max ms": Math.round(Math.max(...delays)),
      },
    ]);
    return [
      { name: "webhook deliveries/s to a local receiver", value: perSecond, unit: "/s" },
      {
        name: "event commit → first attempt, p95",
        value: p95,
        unit: "ms",
        target: `≤ ${TARGET_P95_MS} ms`,
        pass: p95 <= TARGET_P95_MS,
      },
      { name: "event commit → first attempt, p50", value: p50, unit: "ms" },
    ];
  } finally {
    await relay.stop();
    await stopAll();
    await receiver.close();
    await database.close();
    redis.disconnect();
    await deletePrefix(prefix);
  }
}

/** Signs up an organization on the settings service; returns its owner's identity. */
async function ownerOf(settingsUrl: string, tokens: IdentityTokens): Promise<Identity> {
  const signup = await json(`${settingsUrl}/v1/auth/signup`, {
    method: "POST",
    body: JSON.stringify({
      organizationName: "Bench webhooks",
      name: "Bench Owner",
      email: `bench-${randomBytes(6).toString("hex")}@example.com`,
      password: "correct horse battery staple",
    }),
  });
  const verified = await json(`${settingsUrl}${INTERNAL_ROUTES.verifyCredential}`, {
    method: "POST",
    headers: { [IDENTITY_HEADER]: await tokens.sign(serviceIdentity("gateway", REGION)) },
    body: JSON.stringify({ kind: "session", hash: hashSecret(signup.data.session.token) }),
  });
  const { organizationId, principal, role } = verified.data;
  return { organizationId, principal, role, region: REGION };
}

async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
