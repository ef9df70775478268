import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDENTITY_HEADER, IdentityTokens, serviceIdentity, type Identity } from "@clment/auth";
import { contractsService as contractsService_ } from "@clment/contracts";
import { createCreditsService } from "@clment/credits";
import { CreditsClient } from "@clment/credits-client";
import { createDatabase, type Database } from "@clment/db";
import { writeEvent } from "@clment/queue";
import { loadServiceConfig, startService, type RunningService } from "@clment/runtime";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  testSecret,
  waitFor,
  type TestDatabase,
  type TestResponse,
} from "@clment/testing";
import type { Kysely } from "kysely";
import { pino } from "pino";
import type { DB } from "../../src/data/db.js";
import { createReviewService, type ReviewOptions } from "../../src/service.js";
import { agreementDocx } from "./agreement.documents.js";

const LOG_LEVEL = process.env.CLMENT_TEST_LOG_LEVEL ?? "silent";

export interface TestOrganization {
  id: string;
  /** A signed-in owner of the organization. */
  user: Identity;
}

/**
 * The review service with the real contracts and credits services beside it, in this process,
 * on one test database (each service in its own schema) and one Redis prefix: the part of a
 * region a review needs. Called over HTTP with identity tokens minted as the gateway mints them.
 */
export class ReviewHarness {
  readonly tokens = new IdentityTokens(testSecret("us"), "us");
  readonly reviewInstances: RunningService<DB>[] = [];
  private readonly definitions: ReturnType<typeof createReviewService>[] = [];
  readonly credits: CreditsClient;

  private constructor(
    readonly database: TestDatabase,
    readonly redis: { prefix: string; cleanup(): Promise<void> },
    readonly dataDir: string,
    readonly contractsService: RunningService<any>,
    /** Replaced when the test restarts it (`startCredits`), on the same port. */
    public creditsService: RunningService<any>,
    readonly inspect: Database<DB>,
  ) {
    this.credits = new CreditsClient({
      baseUrl: creditsService.url,
      tokens: this.tokens,
      service: "test",
    });
  }

  static async start(options: ReviewOptions = {}): Promise<ReviewHarness> {
    const database = await createTestDatabase("review");
    const redis = createTestRedisPrefix("review");
    const dataDir = await mkdtemp(join(tmpdir(), "clment-review-"));
    const env = ReviewHarness.env(database.url, redis.prefix, dataDir);
    const logger = pino({ level: LOG_LEVEL });
    const started: RunningService<any>[] = [];
    try {
      const creditsService = await startService(createCreditsService(), loadServiceConfig(env), {
        logger,
      });
      started.push(creditsService);
      const contractsService = await startService(contractsService_, loadServiceConfig(env), {
        logger,
      });
      started.push(contractsService);
      const inspect = createDatabase<DB>({ url: database.url, schema: "review", max: 2 });
      const harness = new ReviewHarness(
        database,
        redis,
        dataDir,
        contractsService,
        creditsService,
        inspect,
      );
      try {
        await harness.startReview(options);
      } catch (error) {
        await harness.close();
        throw error;
      }
      return harness;
    } catch (error) {
      for (const service of started.reverse()) await service.close().catch(() => undefined);
      await redis.cleanup().catch(() => undefined);
      await database.drop().catch(() => undefined);
      throw error;
    }
  }

  private static env(databaseUrl: string, prefix: string, dataDir: string) {
    return {
      REGION: "us",
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: prefix,
      IDENTITY_SECRET: testSecret("us"),
      LOG_LEVEL,
      DATA_DIR: dataDir,
    };
  }

  /** Stops the credits service as an outage would: its port refuses connections. */
  async stopCredits(): Promise<void> {
    await this.creditsService.close();
  }

  /** Starts the credits service again on its port, the review service's CREDITS_URL. */
  async startCredits(): Promise<void> {
    this.creditsService = await startService(
      createCreditsService(),
      loadServiceConfig({
        ...ReviewHarness.env(this.database.url, this.redis.prefix, this.dataDir),
        PORT: String(this.creditsService.port),
      }),
      { logger: pino({ level: LOG_LEVEL }) },
    );
  }

  /** Starts one more review instance (same database and Redis): another worker of the region. */
  async startReview(options: ReviewOptions = {}): Promise<RunningService<DB>> {
    const definition = createReviewService({
      ...options,
      settings: { jobBackoffMs: 100, ...options.settings },
    });
    const service = await startService(
      definition,
      loadServiceConfig({
        ...ReviewHarness.env(this.database.url, this.redis.prefix, this.dataDir),
        CONTRACTS_URL: this.contractsService.url,
        CREDITS_URL: this.creditsService.url,
      }),
      { logger: pino({ level: LOG_LEVEL }) },
    );
    this.reviewInstances.push(service);
    this.definitions.push(definition);
    return service;
  }

  /**
   * Kills the job worker of a review instance the way a crash would: it stops at once, neither
   * finishing nor giving back the job it holds, whose lock then runs out.
   */
  async killWorker(index: number): Promise<void> {
    await this.servicesOf(index).worker!.close(true);
  }

  /** The use cases and queue of a review instance. */
  servicesOf(index: number) {
    return this.definitions[index]!.servicesOf(this.reviewInstances[index]!.context);
  }

  get url(): string {
    return this.reviewInstances[0]!.url;
  }

  /**
   * Announces an organization the way settings does (`organization.created` through an outbox);
   * returns the event's id.
   */
  async announceOrganization(id: string): Promise<string> {
    const review = this.reviewInstances[0]!;
    const eventId = await review.context.db.transaction().execute((trx) =>
      writeEvent(trx as unknown as Kysely<unknown>, {
        type: "organization.created",
        organizationId: id,
        data: {
          organization: {
            id,
            name: `Org ${id.slice(0, 8)}`,
            region: "us",
            timezone: "UTC",
            createdAt: new Date().toISOString(),
          },
          ownerUserId: randomUUID(),
        },
      }),
    );
    review.context.relay.kick();
    return eventId;
  }

  /** A new organization, announced as settings announces one, once every service set it up. */
  async newOrganization(): Promise<TestOrganization> {
    const id = randomUUID();
    await this.announceOrganization(id);
    const user: Identity = {
      organizationId: id,
      principal: { type: "user", id: randomUUID(), sessionId: randomUUID() },
      role: "owner",
      region: "us",
    };
    await waitFor(
      async () =>
        (await this.as(user, "GET", "/v1/playbooks")).body?.data?.total === 1 &&
        (await this.as(user, "GET", "/v1/credits", { url: this.creditsService.url })).status ===
          200,
      { timeoutMs: 20_000, message: "the organization's playbook and credit account" },
    );
    return { id, user };
  }

  /** Calls a service as `identity` (the review service unless `url` says otherwise). */
  async as<T = any>(
    identity: Identity,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; url?: string } = {},
  ): Promise<TestResponse<T>> {
    return call<T>(options.url ?? this.url, method, path, {
      ...(options.body !== undefined ? { body: options.body } : {}),
      headers: { [IDENTITY_HEADER]: await this.tokens.sign(identity), ...options.headers },
    });
  }

  /** Uploads a contract with a document to the contracts service; returns its id. */
  async uploadContract(
    org: TestOrganization,
    file: { filename: string; data: Buffer; type: string },
  ): Promise<string> {
    const form = new FormData();
    form.set("title", "Master Services Agreement");
    form.set("file", new Blob([new Uint8Array(file.data)], { type: file.type }), file.filename);
    const response = await fetch(`${this.contractsService.url}/v1/contracts`, {
      method: "POST",
      headers: { [IDENTITY_HEADER]: await this.tokens.sign(org.user) },
      body: form,
    });
    const body = (await response.json()) as any;
    if (response.status !== 201)
      throw new Error(`upload failed: ${response.status} ${JSON.stringify(body)}`);
    const id = body.data.contract.id as string;
    await waitFor(
      async () =>
        (await this.as(org.user, "GET", `/v1/contracts/${id}`, { url: this.contractsService.url }))
          .body?.data?.contract?.document?.extraction === "completed",
      { timeoutMs: 20_000, message: "the document's text" },
    );
    return id;
  }

  /** The organization's built-in playbook. */
  async standardPlaybook(org: TestOrganization): Promise<string> {
    return (await this.as(org.user, "GET", "/v1/playbooks")).body.data.playbooks[0].id;
  }

  /** Uploads a contract and queues its review with the standard playbook; returns the review's id. */
  async queueReview(
    org: TestOrganization,
    file: { filename: string; data: Buffer; type: string },
  ): Promise<string> {
    const contractId = await this.uploadContract(org, file);
    const queued = await this.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: await this.standardPlaybook(org) },
    });
    if (queued.status !== 202) throw new Error(`review failed: ${queued.status} ${queued.text}`);
    return queued.body.data.review.id;
  }

  /** `queueReview` of the services agreement fixture, as a DOCX. */
  async queueAgreementReview(org: TestOrganization): Promise<string> {
    return this.queueReview(org, {
      filename: "msa.docx",
      data: await agreementDocx(),
      type: DOCX_TYPE,
    });
  }

  async createContractWithoutDocument(org: TestOrganization): Promise<string> {
    const response = await this.as(org.user, "POST", "/v1/contracts", {
      url: this.contractsService.url,
      body: { title: "No document yet" },
    });
    if (response.status !== 201) throw new Error(`create failed: ${response.text}`);
    return response.body.data.contract.id;
  }

  /** The organization's credit balance as `GET /v1/credits` shows it. */
  async balance(org: TestOrganization): Promise<number> {
    const response = await this.as(org.user, "GET", "/v1/credits", {
      url: this.creditsService.url,
    });
    return response.body.data.balance.total;
  }

  /** The organization's ledger entries, as the billing settings show them. */
  async ledger(
    org: TestOrganization,
  ): Promise<
    { kind: string; amount: number; reservationId: string | null; resourceId: string | null }[]
  > {
    const response = await this.as(org.user, "GET", "/v1/settings/billing/ledger?take=100", {
      url: this.creditsService.url,
    });
    return response.body.data.entries;
  }

  /**
   * Waits until a job-backed resource (review, redline, conversion) has finished and its credits
   * are settled: captured when it completed, released when it failed.
   */
  async settled(org: TestOrganization, path: string, name: string): Promise<any> {
    return waitFor(
      async () => {
        const resource = (await this.as(org.user, "GET", path)).body?.data?.[name];
        if (resource?.status === "completed" && resource.credits.charged) return resource;
        if (resource?.status === "failed" && resource.credits.released) return resource;
        return null;
      },
      { timeoutMs: 30_000, message: `${path} to finish` },
    );
  }

  serviceIdentity(organizationId: string): Identity {
    return serviceIdentity("test", "us", organizationId);
  }

  async close(): Promise<void> {
    for (const instance of this.reviewInstances) await instance.close();
    await this.contractsService.close();
    await this.creditsService.close();
    await this.inspect.close();
    await this.redis.cleanup();
    await this.database.drop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
