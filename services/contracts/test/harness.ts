import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IdentityTokens, type Identity } from "@clment/auth";
import { createDatabase, type Database } from "@clment/db";
import { createLogger } from "@clment/http";
import {
  createRedis,
  closeRedis,
  OutboxRelay,
  queueSettings,
  writeEvent,
  type EventMap,
  type EventType,
} from "@clment/queue";
import { loadServiceConfig, startService, type RunningService } from "@clment/runtime";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  TEST_REDIS_URL,
  testSecret,
  waitFor,
  type TestResponse,
} from "@clment/testing";
import type { Kysely } from "kysely";
import { createContractsService, type ContractsOptions } from "../src/service.js";
import type { DB } from "../src/data/db.js";

export interface TestOrg {
  id: string;
  identity: Identity;
}

export interface Upload {
  filename: string;
  data: Uint8Array;
  /** What the client claims; the service decides by content. */
  type?: string;
}

export type ContractsDefinition = ReturnType<typeof createContractsService>;

/**
 * One contracts service in this process against its own database, Redis prefix and data
 * directory, called over HTTP with identity tokens minted the way the gateway mints them.
 */
export class ContractsHarness {
  readonly instances: RunningService<DB>[] = [];
  private readonly tokens = new IdentityTokens(testSecret("us"), "us");

  private constructor(
    readonly definition: ContractsDefinition,
    readonly database: { name: string; url: string; drop(): Promise<void> },
    readonly redisPrefix: { prefix: string; cleanup(): Promise<void> },
    readonly dataDir: string,
    readonly inspect: Database<DB>,
  ) {}

  static async start(options: ContractsOptions = {}): Promise<ContractsHarness> {
    const database = await createTestDatabase("contracts");
    const redisPrefix = createTestRedisPrefix("contracts");
    const dataDir = await mkdtemp(join(tmpdir(), "clment-contracts-"));
    const inspect = createDatabase<DB>({ url: database.url, schema: "contracts", max: 2 });
    const harness = new ContractsHarness(
      createContractsService(options),
      database,
      redisPrefix,
      dataDir,
      inspect,
    );
    await harness.startInstance();
    return harness;
  }

  /** Starts one more instance of the service (same database, Redis and data directory). */
  async startInstance(
    definition: ContractsDefinition = this.definition,
  ): Promise<RunningService<DB>> {
    const service = await startService(
      definition,
      loadServiceConfig({
        REGION: "us",
        DATABASE_URL: this.database.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: this.redisPrefix.prefix,
        IDENTITY_SECRET: testSecret("us"),
        LOG_LEVEL: process.env.CLMENT_TEST_LOG_LEVEL ?? "silent",
        DATA_DIR: this.dataDir,
      }),
    );
    this.instances.push(service);
    return service;
  }

  /** Stops one instance (a worker going away); the others keep running. */
  async stopInstance(service: RunningService<DB>): Promise<void> {
    await service.close();
    this.instances.splice(this.instances.indexOf(service), 1);
  }

  /** The use cases of a running instance, to drive them directly. */
  servicesOf(service: RunningService<DB> = this.instances[0]!) {
    return this.definition.servicesOf(service.context);
  }

  get url(): string {
    return this.instances[0]!.url;
  }

  get db(): Kysely<DB> {
    return this.inspect.db;
  }

  newOrg(): TestOrg {
    const id = randomUUID();
    return {
      id,
      identity: {
        organizationId: id,
        principal: { type: "api_key", id: randomUUID() },
        role: null,
        region: "us",
      },
    };
  }

  async headers(org: TestOrg): Promise<Record<string, string>> {
    return { "x-clment-identity": await this.tokens.sign(org.identity) };
  }

  async call<T = any>(
    org: TestOrg | null,
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<TestResponse<T>> {
    const headers = { ...(org ? await this.headers(org) : {}), ...options.headers };
    return call<T>(this.url, method, path, { ...options, headers });
  }

  /** A multipart/form-data request with a `file` part and form fields. */
  async upload<T = any>(
    org: TestOrg,
    method: string,
    path: string,
    file: Upload | null,
    fields: Record<string, string | string[]> = {},
  ): Promise<TestResponse<T>> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
    }
    if (file) {
      form.set("file", new Blob([file.data], { type: file.type ?? "" }), file.filename);
    }
    const response = await fetch(this.url + path, {
      method,
      headers: await this.headers(org),
      body: form,
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body: body as T, text };
  }

  /** Raw bytes of a response (downloads). */
  async download(
    org: TestOrg,
    path: string,
  ): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const response = await fetch(this.url + path, { headers: await this.headers(org) });
    return {
      status: response.status,
      headers: response.headers,
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  }

  async createContract(org: TestOrg, body: Record<string, unknown> = {}) {
    const response = await this.call(org, "POST", "/v1/contracts", {
      body: { title: "Master services agreement", ...body },
    });
    if (response.status !== 201) throw new Error(`create failed: ${response.text}`);
    return response.body.data.contract as { id: string; [key: string]: any };
  }

  /** Events this service wrote to its outbox, oldest first. */
  async events(
    type?: string,
  ): Promise<{ type: string; organization_id: string | null; payload: any }[]> {
    let query = this.db.selectFrom("outbox").select(["type", "organization_id", "payload"]);
    if (type) query = query.where("type", "=", type);
    return query.orderBy("created_at").execute();
  }

  /**
   * Publishes an event of the settings service the way it would: written to settings' outbox
   * in a transaction, then relayed to the queues of its consumers (this service among them).
   */
  async publishSettingsEvent<T extends EventType>(
    type: T,
    organizationId: string,
    data: EventMap[T],
  ): Promise<void> {
    await this.publishEvent("settings", type, organizationId, data);
  }

  /**
   * Publishes an event the way another service (`from`: its schema, e.g. `review`) would:
   * written to its outbox in a transaction, then relayed to the queues of its consumers.
   */
  async publishEvent<T extends EventType>(
    from: string,
    type: T,
    organizationId: string,
    data: EventMap[T],
  ): Promise<string> {
    const settingsDb = createDatabase<unknown>({
      url: this.database.url,
      schema: from,
      max: 1,
    });
    const redis = createRedis(TEST_REDIS_URL, "client");
    const relay = new OutboxRelay({
      db: settingsDb.db,
      redis,
      settings: queueSettings(this.redisPrefix.prefix),
      logger: createLogger({ service: `test-${from}`, level: "silent" }),
      region: "us",
    });
    try {
      const id = await settingsDb.db
        .transaction()
        .execute((trx) => writeEvent(trx, { type, organizationId, data }));
      await relay.relayOnce();
      return id;
    } finally {
      await relay.stop();
      await closeRedis(redis);
      await settingsDb.close();
    }
  }

  /** Waits until this service's consumer has handled the event with this id. */
  async handled(eventId: string): Promise<void> {
    await waitFor(
      async () =>
        (await this.db
          .selectFrom("processed_events")
          .select("event_id")
          .where("event_id", "=", eventId)
          .executeTakeFirst()) !== undefined,
      { timeoutMs: 20_000, message: `event ${eventId} to be handled` },
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((s) => s.close()));
    await this.inspect.close();
    await this.database.drop();
    await this.redisPrefix.cleanup();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
