import { createServer, connect, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  freePort,
  testSecret,
  TEST_POSTGRES_URL,
  type TestDatabase,
} from "@clment/testing";
import { loadServiceConfig, startService, type RunningService } from "../src/index.js";

/** A TCP relay to the test Postgres that the test can cut, as a network partition would. */
async function postgresRelay(port: number) {
  const target = new URL(TEST_POSTGRES_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  async function open() {
    if (server?.listening) return;
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
  }
  async function cut() {
    const closed = new Promise((resolve) => server?.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  }
  await open();
  return { open, cut };
}

describe("readiness", () => {
  let database: TestDatabase;
  const redis = createTestRedisPrefix("readiness");
  let relay: Awaited<ReturnType<typeof postgresRelay>>;
  let service: RunningService;

  beforeAll(async () => {
    database = await createTestDatabase("readiness");
    const port = await freePort();
    relay = await postgresRelay(port);
    const url = new URL(database.url);
    url.host = `127.0.0.1:${port}`;
    service = await startService(
      // The smallest service: no routes of its own, in a schema the template database has.
      { name: "probe", schema: "credits", migrations: {}, routes: () => undefined },
      loadServiceConfig({
        REGION: "us",
        DATABASE_URL: url.toString(),
        REDIS_PREFIX: redis.prefix,
        IDENTITY_SECRET: testSecret("us"),
      }),
      { logger: pino({ level: "silent" }) },
    );
  });

  afterAll(async () => {
    await relay?.open().catch(() => undefined);
    await service?.close();
    await relay?.cut();
    await redis.cleanup();
    await database?.drop();
  });

  it("answers ready while every connection of the request pool is busy", async () => {
    const { pool } = service.context.database;
    const held: { release(): void }[] = [];
    try {
      for (let i = 0; i < pool.options.max; i++) held.push(await pool.connect());
      expect(pool.totalCount).toBe(pool.options.max);
      expect(pool.idleCount).toBe(0);

      const ready = await call(service.url, "GET", "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.body.data.checks.postgres).toBe("ok");
    } finally {
      for (const client of held) client.release();
    }
  });

  it("answers not ready while Postgres cannot be reached, and ready again once it can", async () => {
    expect((await call(service.url, "GET", "/readyz")).status).toBe(200);

    await relay.cut();
    const down = await call(service.url, "GET", "/readyz");
    expect(down.status).toBe(503);
    expect(down.body.error.details).toContainEqual({ path: "postgres", message: "unreachable" });

    await relay.open();
    const back = await call(service.url, "GET", "/readyz");
    expect(back.status).toBe(200);
    expect(back.body.data.checks.postgres).toBe("ok");
  });
});
