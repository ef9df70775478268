import { randomUUID } from "node:crypto";
import pg from "pg";
import { pino } from "pino";
import {
  IDENTITY_HEADER,
  IdentityTokens,
  serviceIdentity,
  type Identity,
  type Role,
} from "@clment/auth";
import { loadServiceConfig, startService, type RunningService } from "@clment/runtime";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  testSecret,
  type TestDatabase,
  type TestResponse,
} from "@clment/testing";
import { DEFAULT_CREDITS_CONFIG, type CreditsConfig } from "../src/config.js";
import { CreditsStore } from "../src/data/credits.store.js";
import type { DB } from "../src/data/db.js";
import type { CreditsDeps } from "../src/domain/deps.js";
import { MaintenanceService } from "../src/domain/maintenance.service.js";
import { ReservationService } from "../src/domain/reservation.service.js";
import { createCreditsService } from "../src/service.js";

/** A test clock: real time unless a test sets `now`. */
export interface TestClock {
  now: Date | null;
}

export interface CreditsHarness {
  url: string;
  service: RunningService<DB>;
  database: TestDatabase;
  /** A pool on the test database (search path: credits). */
  pool: pg.Pool;
  clock: TestClock;
  tokens: IdentityTokens;
  /** The use cases the jobs run, for tests that drive them by hand. */
  maintenance: MaintenanceService;
  reservations: ReservationService;
  close(): Promise<void>;
}

/** Starts the credits service in-process against its own database and Redis prefix. */
export async function startCredits(config: Partial<CreditsConfig> = {}): Promise<CreditsHarness> {
  const database = await createTestDatabase("credits");
  const redis = createTestRedisPrefix("credits");
  const clock: TestClock = { now: null };
  const now = () => clock.now ?? new Date();
  const service = await startService(
    createCreditsService({ ...DEFAULT_CREDITS_CONFIG, ...config }, { clock: now }),
    loadServiceConfig({
      REGION: "us",
      DATABASE_URL: database.url,
      REDIS_PREFIX: redis.prefix,
      IDENTITY_SECRET: testSecret("us"),
      LOG_LEVEL: process.env.CLMENT_TEST_LOG_LEVEL ?? "silent",
    }),
    { logger: pino({ level: process.env.CLMENT_TEST_LOG_LEVEL ?? "silent" }) },
  );
  const pool = new pg.Pool({
    connectionString: database.url,
    options: "-c search_path=credits,public",
    max: 4,
  });
  // An idle client the server drops (the database's forced drop at close) emits 'error' on the
  // pool; without a listener that is an unhandled error failing whichever test runs then. A
  // query on a dropped client still fails its own test.
  pool.on("error", () => undefined);
  const deps: CreditsDeps = {
    store: new CreditsStore(service.context.db, service.context.relay),
    clock: now,
    reservationTtlSeconds:
      config.reservationTtlSeconds ?? DEFAULT_CREDITS_CONFIG.reservationTtlSeconds,
    reservationBatchSize:
      config.reservationBatchSize ?? DEFAULT_CREDITS_CONFIG.reservationBatchSize,
    logger: service.context.logger,
  };
  return {
    url: service.url,
    service,
    database,
    pool,
    clock,
    tokens: new IdentityTokens(testSecret("us"), "us"),
    maintenance: new MaintenanceService(deps),
    reservations: new ReservationService(deps),
    async close() {
      await service.close();
      await pool.end();
      await redis.cleanup();
      await database.drop();
    },
  };
}

export function newOrganizationId(): string {
  return randomUUID();
}

export function userIdentity(organizationId: string, role: Role = "owner"): Identity {
  return {
    organizationId,
    principal: { type: "user", id: randomUUID(), sessionId: randomUUID() },
    role,
    region: "us",
  };
}

export function apiKeyIdentity(organizationId: string): Identity {
  return {
    organizationId,
    principal: { type: "api_key", id: randomUUID() },
    role: null,
    region: "us",
  };
}

/** The review service acting for an organization, as @clment/credits-client signs it. */
export function reviewServiceIdentity(organizationId?: string): Identity {
  return serviceIdentity("review", "us", organizationId);
}

/** Calls the service as `identity`, the way the gateway (or another service) would. */
export async function callAs<T = any>(
  harness: CreditsHarness,
  identity: Identity,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<TestResponse<T>> {
  const token = await harness.tokens.sign(identity);
  return call<T>(harness.url, method, path, {
    ...options,
    headers: { [IDENTITY_HEADER]: token, ...options.headers },
  });
}

let keyCounter = 0;

/** Reserves through the internal route as the review service. */
export async function reserve(
  harness: CreditsHarness,
  organizationId: string,
  amount: number,
  overrides: Record<string, unknown> = {},
) {
  const forOrganization =
    typeof overrides.organizationId === "string" ? overrides.organizationId : organizationId;
  return callAs(
    harness,
    reviewServiceIdentity(forOrganization),
    "POST",
    "/internal/v1/credits/reservations",
    {
      body: {
        organizationId,
        amount,
        operation: "review",
        resourceId: randomUUID(),
        idempotencyKey: `key-${++keyCounter}-${randomUUID()}`,
        ...overrides,
      },
    },
  );
}

export async function capture(harness: CreditsHarness, organizationId: string, id: string) {
  return callAs(
    harness,
    reviewServiceIdentity(organizationId),
    "POST",
    `/internal/v1/credits/reservations/${id}/capture`,
    {
      body: { organizationId },
    },
  );
}

export async function release(harness: CreditsHarness, organizationId: string, id: string) {
  return callAs(
    harness,
    reviewServiceIdentity(organizationId),
    "POST",
    `/internal/v1/credits/reservations/${id}/release`,
    {
      body: { organizationId },
    },
  );
}

export async function balanceOf(harness: CreditsHarness, organizationId: string) {
  const response = await callAs(harness, apiKeyIdentity(organizationId), "GET", "/v1/credits");
  if (response.status !== 200)
    throw new Error(`GET /v1/credits: ${response.status} ${response.text}`);
  return response.body.data.balance as { total: number; allowance: number; packs: number };
}

export async function buyPack(harness: CreditsHarness, organizationId: string, size: number) {
  const response = await callAs(
    harness,
    userIdentity(organizationId, "admin"),
    "POST",
    "/v1/settings/billing/credit-packs",
    { body: { size } },
  );
  if (response.status !== 201)
    throw new Error(`pack purchase: ${response.status} ${response.text}`);
  return response.body.data.creditPack as { id: string; size: number; remaining: number };
}

export async function setPlan(harness: CreditsHarness, organizationId: string, plan: string) {
  const response = await callAs(
    harness,
    userIdentity(organizationId, "owner"),
    "PUT",
    "/v1/settings/billing/plan",
    {
      body: { plan },
    },
  );
  if (response.status !== 200) throw new Error(`plan change: ${response.status} ${response.text}`);
  return response.body.data.billing;
}

/**
 * Brings an organization's available balance to exactly `total` credits of allowance (by
 * reserving and capturing the rest), the way real usage would.
 */
export async function spendDownTo(harness: CreditsHarness, organizationId: string, total: number) {
  const { total: current } = await balanceOf(harness, organizationId);
  if (current < total) throw new Error(`balance ${current} is below ${total}`);
  if (current === total) return;
  const held = await reserve(harness, organizationId, current - total);
  if (held.status !== 201) throw new Error(`spend: ${held.status} ${held.text}`);
  await capture(harness, organizationId, held.body.data.reservation.id);
}

/**
 * The balance columns against the ledger: the current period's allowance equals the sum of its
 * allowance entries, every pack's remaining credits the sum of its entries, and the available
 * total the sum of every entry. Returns what it compared, so a test can show it.
 */
export async function checkLedger(harness: CreditsHarness, organizationId: string) {
  const { rows: accounts } = await harness.pool.query(
    `select allowance_balance, period_start::text as period_start from accounts where organization_id = $1`,
    [organizationId],
  );
  const account = accounts[0];
  const { rows: allowance } = await harness.pool.query(
    `select coalesce(sum(balance_change), 0)::int as sum from ledger_entries
     where organization_id = $1 and bucket = 'allowance' and period_start = $2`,
    [organizationId, account.period_start],
  );
  const { rows: packs } = await harness.pool.query(
    `select p.id, p.remaining,
       (select coalesce(sum(balance_change), 0)::int from ledger_entries l where l.pack_id = p.id) as ledger
     from credit_packs p where p.organization_id = $1`,
    [organizationId],
  );
  const { rows: total } = await harness.pool.query(
    `select coalesce(sum(balance_change), 0)::int as sum from ledger_entries where organization_id = $1`,
    [organizationId],
  );
  const packTotal = packs.reduce((sum: number, p: { remaining: number }) => sum + p.remaining, 0);
  return {
    allowance: { column: account.allowance_balance as number, ledger: allowance[0].sum as number },
    packs: packs.map((p: { remaining: number; ledger: number }) => ({
      column: p.remaining,
      ledger: p.ledger,
    })),
    total: {
      columns: (account.allowance_balance as number) + packTotal,
      ledger: total[0].sum as number,
    },
  };
}

/** Asserts `checkLedger` finds the balances and the ledger in agreement. */
export async function expectLedgerConsistent(harness: CreditsHarness, organizationId: string) {
  const check = await checkLedger(harness, organizationId);
  const problems: string[] = [];
  if (check.allowance.column !== check.allowance.ledger)
    problems.push(`allowance ${JSON.stringify(check.allowance)}`);
  for (const pack of check.packs) {
    if (pack.column !== pack.ledger) problems.push(`pack ${JSON.stringify(pack)}`);
  }
  if (check.total.columns !== check.total.ledger)
    problems.push(`total ${JSON.stringify(check.total)}`);
  if (problems.length > 0) throw new Error(`balance and ledger disagree: ${problems.join("; ")}`);
  return check;
}

export async function ledgerKinds(
  harness: CreditsHarness,
  organizationId: string,
): Promise<string[]> {
  const { rows } = await harness.pool.query(
    `select kind from ledger_entries where organization_id = $1 order by seq`,
    [organizationId],
  );
  return rows.map((r: { kind: string }) => r.kind);
}

/** How many of the organization's reservations are for exactly `amount` credits. */
export async function reservationCount(
  harness: CreditsHarness,
  organizationId: string,
  amount: number,
): Promise<number> {
  const { rows } = await harness.pool.query(
    "select count(*)::int as n from reservations where organization_id = $1 and amount = $2",
    [organizationId, amount],
  );
  return rows[0].n as number;
}

export async function outboxEvents(harness: CreditsHarness, organizationId: string, type: string) {
  const { rows } = await harness.pool.query(
    `select payload from outbox where organization_id = $1 and type = $2 order by created_at`,
    [organizationId, type],
  );
  return rows.map((r: { payload: unknown }) => r.payload);
}
