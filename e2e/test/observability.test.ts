import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@clment/gateway";
import { createLogger } from "@clment/http";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  freePort,
  testSecret,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@clment/testing";
import { newApiKey, newOrganization } from "../src/factories.js";
import { startRegion, type RunningRegion } from "../src/region.js";

/** A pino logger whose JSON lines land in `lines`. */
function capturingLogger(lines: any[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return createLogger({ service: "gateway", region: "eu", level: "info", destination: stream });
}

describe("metrics and request logs", () => {
  let database: TestDatabase;
  const redis = createTestRedisPrefix("observability");
  let region: RunningRegion;
  let gateway: RunningGateway;
  const lines: any[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("observability");
    region = await startRegion({
      region: "eu",
      databaseUrl: database.url,
      redisPrefix: redis.prefix,
      identitySecret: testSecret("eu"),
      gatewayEnv: { METRICS_PORT: String(await freePort()) },
    });
    // A second gateway in front of the same services, logging into `lines`.
    gateway = await startGateway(
      loadGatewayConfig({
        REGION: "eu",
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: redis.prefix,
        IDENTITY_SECRET: testSecret("eu"),
        SETTINGS_URL: region.services.settings.url,
        CONTRACTS_URL: region.services.contracts.url,
        REVIEW_URL: region.services.review.url,
        CREDITS_URL: region.services.credits.url,
      }),
      { logger: capturingLogger(lines) },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await region?.close();
    await redis.cleanup();
    await database?.drop();
  });

  it("exposes request counts and latency by route and status on the internal metrics port", async () => {
    const org = await newOrganization(region.url);
    expect((await call(region.url, "GET", "/v1/me", { token: org.owner.token })).status).toBe(200);
    expect((await call(region.url, "GET", "/v1/nothing-here")).status).toBe(404);

    const metricsUrl = region.gateways[0]!.metricsUrl!;
    expect(metricsUrl).toBeDefined();
    // Not on the public port.
    expect((await call(region.url, "GET", "/metrics")).status).toBe(404);
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /clment_http_requests_total\{service="gateway",method="GET",route="\/v1\/me",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /clment_http_requests_total\{service="gateway",method="GET",route="unmatched",status="404"\} [1-9]/,
    );
    // The services of this in-process region count into the same registry, by express route.
    expect(text).toMatch(
      /clment_http_requests_total\{service="settings",method="GET",route="\/v1\/me",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /clment_http_request_duration_seconds_bucket\{le="0.25",service="gateway"/,
    );
    expect(text).toContain("clment_outbox_lag_seconds{service=");
    expect(text).toContain("clment_queue_depth{service=");
    expect(text).toContain("# TYPE clment_credit_reservations_total counter");
    expect(text).toContain("# TYPE clment_webhook_deliveries_total counter");
    expect(text).toContain("# TYPE clment_job_duration_seconds histogram");
  });

  it("logs one line per request with request id, organization and region, never the credential", async () => {
    const org = await newOrganization(gateway.url);
    const key = await newApiKey(gateway.url, org.owner.token);
    const me = await call(gateway.url, "GET", "/v1/me", {
      token: key.secret,
      headers: { "x-request-id": "obs-test-request-1" },
    });
    expect(me.status).toBe(200);
    const line = lines.find((l) => l.requestId === "obs-test-request-1");
    expect(line).toMatchObject({
      msg: "request",
      region: "eu",
      organizationId: org.organization.id,
      status: 200,
      path: "/v1/me",
    });
    const all = JSON.stringify(lines);
    expect(all).not.toContain(key.secret);
    expect(all).not.toContain(org.owner.token);
  });

  it("redacts secrets, keys and credentials wherever they appear in a log object", () => {
    const redacted: any[] = [];
    const logger = capturingLogger(redacted);
    logger.info(
      {
        req: {
          headers: {
            authorization: "Bearer sk_live_x",
            cookie: "s=1",
            "x-clment-sso-binding": "sso-binding-x",
          },
        },
        password: "hunter2",
        body: { password: "hunter2", secret: "whsec_x", token: "t" },
        config: { IDENTITY_SECRET: "s".repeat(40), LLM_API_KEY: "llm" },
        apiKey: { keyHash: "abc" },
      },
      "with secrets",
    );
    const text = JSON.stringify(redacted);
    const secrets = ["sk_live_x", "s=1", "sso-binding-x", "hunter2", "whsec_x", "s".repeat(40)];
    for (const secret of [...secrets, "llm", "abc"]) {
      expect(text).not.toContain(secret);
    }
  });
});
