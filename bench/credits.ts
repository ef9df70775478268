import { randomBytes, randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { IDENTITY_HEADER, IdentityTokens, serviceIdentity, type Identity } from "@clment/auth";
import { createDatabase, dropDatabase, sql } from "@clment/db";
import { freePort } from "@clment/testing";
import type { Metric } from "./lib/metrics.js";
import { startProcess, stopAll, waitReady } from "./lib/processes.js";
import { POSTGRES_URL, prepareBenchDatabase, REDIS_URL } from "./lib/stores.js";

const RESERVE = "/internal/v1/credits/reservations";
const CONNECTIONS = 200;
const TARGET_PER_SECOND = 1_000;

interface Harness {
  url: string;
  tokens: IdentityTokens;
}

async function send(
  harness: Harness,
  identity: Identity,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(harness.url + path, {
    method,
    headers: {
      "content-type": "application/json",
      [IDENTITY_HEADER]: await harness.tokens.sign(identity),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** An organization whose account holds exactly `credits` (starter allowance of 100 plus packs). */
async function organizationWith(
  harness: Harness,
  credits: number,
  plan = "starter",
): Promise<string> {
  const organizationId = randomUUID();
  const owner: Identity = {
    organizationId,
    principal: { type: "user", id: randomUUID(), sessionId: randomUUID() },
    role: "owner",
    region: "us",
  };
  await send(harness, owner, "PUT", "/v1/settings/billing/plan", { plan });
  let balance: number = (await send(harness, owner, "GET", "/v1/credits")).balance.total;
  for (const size of [2_000, 500, 100]) {
    while (credits - balance >= size) {
      balance = (await send(harness, owner, "POST", "/v1/settings/billing/credit-packs", { size }))
        .balance.total;
    }
  }
  if (balance !== credits)
    throw new Error(`could not make a balance of ${credits} (got ${balance})`);
  return organizationId;
}

/** 200 connections reserving 1 credit each, with a fresh idempotency key per request. */
async function reserveLoad(
  harness: Harness,
  organizationIds: string[],
  limit: { seconds: number } | { requests: number },
) {
  // The review service signs for the organization it reserves for (credits checks they agree).
  const tokens = new Map(
    await Promise.all(
      organizationIds.map(
        async (id) => [id, await harness.tokens.sign(serviceIdentity("review", "us", id))] as const,
      ),
    ),
  );
  let n = 0;
  const result = await autocannon({
    url: harness.url,
    connections: CONNECTIONS,
    // autocannon ends a run on its next sample tick: at the default 1 s, a run of a given
    // number of requests counted up to a second too many.
    sampleInt: 100,
    ...("seconds" in limit ? { duration: limit.seconds } : { amount: limit.requests }),
    requests: [
      {
        method: "POST",
        path: RESERVE,
        headers: { "content-type": "application/json" },
        setupRequest: (request) => {
          n++;
          const organizationId = organizationIds[n % organizationIds.length]!;
          return {
            ...request,
            headers: { ...request.headers, [IDENTITY_HEADER]: tokens.get(organizationId)! },
            body: JSON.stringify({
              organizationId,
              amount: 1,
              operation: "review",
              resourceId: `bench-${n}`,
              idempotencyKey: `bench-${randomBytes(8).toString("hex")}-${n}`,
            }),
          };
        },
      },
    ],
  });
  return {
    granted: result["2xx"],
    refused: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/**
 * Credits under load (`pnpm bench`): reservations per second from 200 concurrent clients on the
 * internal reserve route (one credit each, a fresh idempotency key each), all against one
 * organization (every request contends for the same account row: the worst case) and spread
 * over 50; then 200 clients racing for a balance of 1,000 (100 of allowance, 900 in packs, so
 * the general path with packs runs too) with 3,000 requests, and the count of credits granted
 * beyond the balance (must be 0). The service runs as its own process (built, `node dist`).
 * "per commit" is how many reservations the service wrote per transaction (its group commit).
 */
export async function benchCredits(): Promise<Metric[]> {
  // A fresh database each run: reservations left by an earlier run would expire during this
  // one, and the sweep job releasing them would compete with the load.
  await dropDatabase(POSTGRES_URL, "clment_bench_credits");
  const databaseUrl = await prepareBenchDatabase("clment_bench_credits");
  const secret = randomBytes(32).toString("hex");
  const port = await freePort();
  const harness: Harness = {
    url: `http://127.0.0.1:${port}`,
    tokens: new IdentityTokens(secret, "us"),
  };
  startProcess("credits", "services/credits/dist/main.js", {
    REGION: "us",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: `clment-bench:${randomBytes(4).toString("hex")}`,
    IDENTITY_SECRET: secret,
  });
  const database = createDatabase<unknown>({ url: databaseUrl, schema: "credits" });
  try {
    await waitReady(`${harness.url}/readyz`);

    // Warm-up on an organization of its own, then 8,000 reservations against one organization
    // (all from its 10,000 allowance), then 5 seconds spread over 50 organizations.
    await reserveLoad(harness, [await organizationWith(harness, 10_000, "enterprise")], {
      seconds: 1,
    });
    const single = await organizationWith(harness, 10_000, "enterprise");
    const oneOrg = await reserveLoad(harness, [single], { requests: 8_000 });

    const many = await Promise.all(
      Array.from({ length: 50 }, () => organizationWith(harness, 10_000, "enterprise")),
    );
    const manyOrgs = await reserveLoad(harness, many, { seconds: 5 });

    const contested = await organizationWith(harness, 1_000);
    const race = await reserveLoad(harness, [contested], { requests: 3_000 });
    const { rows } = await sql<{ reserved: number; balance: number }>`
      select
        (select coalesce(sum(amount), 0)::int from reservations where organization_id = ${contested}) as reserved,
        (select allowance_balance from accounts where organization_id = ${contested})
          + (select coalesce(sum(remaining), 0)::int from credit_packs where organization_id = ${contested})
          as balance
    `.execute(database.db);
    const reserved = rows[0]!.reserved;
    const oversold = Math.max(0, reserved - 1_000) + Math.max(0, race.granted - 1_000);

    const perSecond = (r: { granted: number; seconds: number }) => r.granted / r.seconds;
    // Reservations per transaction (rows written by one transaction share its xmin): how much
    // the service's group commit batched.
    const perCommit = async (organizationIds: string[]) => {
      const { rows } = await sql<{ n: number }>`
        select round(count(*)::numeric / nullif(count(distinct xmin::text), 0), 1)::float8 as n
        from reservations where organization_id = any(${organizationIds}::uuid[])
      `.execute(database.db);
      return rows[0]!.n;
    };
    console.table([
      {
        run: "one organization",
        "reserved/s": Math.round(perSecond(oneOrg)),
        "p50 ms": oneOrg.p50,
        "p99 ms": oneOrg.p99,
        refused: oneOrg.refused,
        errors: oneOrg.errors,
        "per commit": await perCommit([single]),
      },
      {
        run: "50 organizations",
        "reserved/s": Math.round(perSecond(manyOrgs)),
        "p50 ms": manyOrgs.p50,
        "p99 ms": manyOrgs.p99,
        refused: manyOrgs.refused,
        errors: manyOrgs.errors,
        "per commit": await perCommit(many),
      },
      {
        run: "race for 1,000",
        granted: race.granted,
        refused: race.refused,
        reserved,
        "balance after": rows[0]!.balance,
        errors: race.errors,
      },
    ]);
    return [
      {
        name: `reservations/s, ${CONNECTIONS} clients, one organization`,
        value: perSecond(oneOrg),
        unit: "/s",
        target: `≥ ${TARGET_PER_SECOND}`,
        pass: perSecond(oneOrg) >= TARGET_PER_SECOND && oneOrg.errors === 0 && oneOrg.refused === 0,
      },
      {
        name: `reservations/s, ${CONNECTIONS} clients, 50 organizations`,
        value: perSecond(manyOrgs),
        unit: "/s",
        target: `≥ ${TARGET_PER_SECOND}`,
        pass:
          perSecond(manyOrgs) >= TARGET_PER_SECOND &&
          manyOrgs.errors === 0 &&
          manyOrgs.refused === 0,
      },
      {
        name: `oversold credits (${CONNECTIONS} clients, 3,000 requests for a balance of 1,000)`,
        value: oversold,
        unit: "",
        target: "= 0",
        pass: oversold === 0 && race.granted === 1_000 && rows[0]!.balance === 0,
      },
    ];
  } finally {
    await database.close();
    await stopAll();
  }
}
