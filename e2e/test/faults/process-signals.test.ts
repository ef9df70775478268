import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  startRecordingServer,
  testSecret,
  waitFor,
  type RecordingServer,
  type TestDatabase,
} from "@clment/testing";
import { agreementPdf } from "../../../services/review/test/support/agreement.documents.js";
import { newApiKey, newOrganization } from "../../src/factories.js";
import { startProcessRegion, type ProcessRegion } from "../../src/process-region.js";

/** A fake OpenAI-compatible model that takes `delayMs` to answer every rule as missing. */
function slowModel(llm: RecordingServer, delayMs: number): void {
  llm.respond((req) => {
    const ruleIds = [...req.body.matchAll(/\\"ruleId\\":\\"([^\\"]+)\\"/g)].map((m) => m[1]);
    const findings = ruleIds.map((ruleId) => ({
      ruleId,
      status: "missing",
      excerpt: "",
      explanation: "Not found in the contract.",
      suggestion: null,
    }));
    return {
      status: 200,
      delayMs,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "fake",
        choices: [{ message: { role: "assistant", content: JSON.stringify({ findings }) } }],
      }),
    };
  });
}

/** A multipart upload sent in two halves, so a test can act while it is in flight. */
function slowUpload(url: string, token: string, pdf: Buffer) {
  const boundary = "----clment-shutdown-test";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Slow.pdf"\r\n` +
      "Content-Type: application/pdf\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, pdf, tail]);
  const half = Math.floor(body.length / 2);
  const req = request(`${url}/v1/contracts`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": body.length,
    },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  req.write(body.subarray(0, half));
  return { response, finish: () => req.end(body.subarray(half)) };
}

describe("real processes: SIGTERM drains, SIGKILL is a fast 503 until the service returns", () => {
  let database: TestDatabase;
  const redis = createTestRedisPrefix("shutdown");
  let llm: RecordingServer;
  let region: ProcessRegion;
  let key: string;
  let pdf: Buffer;

  beforeAll(async () => {
    database = await createTestDatabase("shutdown");
    llm = await startRecordingServer();
    slowModel(llm, 2_500);
    pdf = await agreementPdf();
    region = await startProcessRegion({
      region: "us",
      databaseUrl: database.url,
      redisPrefix: redis.prefix,
      identitySecret: testSecret("us"),
      env: {
        review: {
          REVIEW_PROVIDER: "openai",
          LLM_BASE_URL: llm.url,
          LLM_MODEL: "fake",
          // A killed worker's job is taken over after this (30 s in production).
          REVIEW_JOB_LOCK_MS: "2000",
        },
      },
    });
    const org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
  }, 90_000);

  afterAll(async () => {
    await region?.close();
    await llm?.close();
    await redis.cleanup();
    await database?.drop();
  });

  it("finishes a request in flight through the gateway and the service, then both exit 0", async () => {
    const upload = slowUpload(region.url, key, pdf);
    // The gateway has the request and is streaming it to contracts when both are told to stop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const gatewayExit = region.processes.gateway.signal("SIGTERM");
    const contractsExit = region.processes.contracts.signal("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    upload.finish();
    const response = await upload.response;
    expect(response.status).toBe(201);
    const contractId = response.body.data.contract.id as string;
    expect(await gatewayExit).toBe(0);
    expect(await contractsExit).toBe(0);

    await Promise.all([region.processes.contracts.start(), region.processes.gateway.start()]);
    const stored = await call(region.url, "GET", `/v1/contracts/${contractId}`, { token: key });
    expect(stored.status).toBe(200);
    expect(stored.body.data.contract.id).toBe(contractId);
  }, 60_000);

  it("lets a running review job finish before the review process exits: completed and charged once", async () => {
    const api = (method: string, path: string, body?: unknown) =>
      call(region.url, method, path, { token: key, body });
    const created = await fetch(`${region.url}/v1/contracts`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: (() => {
        const form = new FormData();
        form.set("file", new Blob([new Uint8Array(pdf)]), "Agreement.pdf");
        return form;
      })(),
    });
    expect(created.status).toBe(201);
    const contractId = ((await created.json()) as any).data.contract.id as string;
    await waitFor(
      async () =>
        (await api("GET", `/v1/contracts/${contractId}`)).body?.data?.contract?.document
          ?.extraction === "completed",
      { timeoutMs: 30_000, message: "the document's text" },
    );
    const playbookId = await waitFor(
      async () => (await api("GET", "/v1/playbooks")).body?.data?.playbooks?.[0]?.id as string,
      { timeoutMs: 20_000, message: "the built-in playbook" },
    );
    const before = (await api("GET", "/v1/credits")).body.data;

    const queued = await api("POST", `/v1/contracts/${contractId}/reviews`, { playbookId });
    expect(queued.status).toBe(202);
    const reviewId = queued.body.data.review.id as string;
    // The job is running: the model has the request and answers in 2.5 s.
    await llm.waitForRequests(1);
    expect(await region.processes.review.signal("SIGTERM")).toBe(0);
    // The worker finished the job before the process ended: the model was asked exactly once.
    expect(llm.requests).toHaveLength(1);

    await region.processes.review.start();
    const review = await waitFor(
      async () => {
        const current = (await api("GET", `/v1/reviews/${reviewId}`)).body?.data?.review;
        return current?.status === "completed" && current.credits.charged ? current : null;
      },
      { timeoutMs: 30_000, message: "the review to be completed and charged" },
    );
    expect(review.status).toBe("completed");
    const after = (await api("GET", "/v1/credits")).body.data;
    expect(after.balance.total).toBe(before.balance.total - before.pricing.review);
    expect(llm.requests).toHaveLength(1);
  }, 90_000);

  it("completes a review exactly once, charged once, when its worker is SIGKILLed mid-job", async () => {
    const api = (method: string, path: string, body?: unknown) =>
      call(region.url, method, path, { token: key, body });
    const contractId = (await api("GET", "/v1/contracts?take=1")).body.data.contracts[0]
      .id as string;
    const playbookId = (await api("GET", "/v1/playbooks")).body.data.playbooks[0].id as string;
    const before = (await api("GET", "/v1/credits")).body.data;
    const asked = llm.requests.length;

    const queued = await api("POST", `/v1/contracts/${contractId}/reviews`, { playbookId });
    expect(queued.status).toBe(202);
    const reviewId = queued.body.data.review.id as string;
    await llm.waitForRequests(asked + 1);
    expect(await region.processes.review.signal("SIGKILL")).toBeNull();

    await region.processes.review.start();
    const review = await waitFor(
      async () => {
        const current = (await api("GET", `/v1/reviews/${reviewId}`)).body?.data?.review;
        return current?.status === "completed" && current.credits.charged ? current : null;
      },
      { timeoutMs: 40_000, message: "the review to be taken over, completed and charged" },
    );
    expect(review.status).toBe("completed");
    // The killed attempt's answer was lost; the takeover asked again: twice in all, stored once.
    expect(llm.requests.length).toBe(asked + 2);
    const findings = await api("GET", `/v1/reviews/${reviewId}/findings?take=100`);
    const playbook = await api("GET", `/v1/playbooks/${playbookId}`);
    expect(findings.body.data.total).toBe(playbook.body.data.playbook.rules.length);
    const after = await waitFor(
      async () => {
        const credits = (await api("GET", "/v1/credits")).body.data;
        return credits.balance.total === before.balance.total - before.pricing.review
          ? credits
          : null;
      },
      { timeoutMs: 20_000, message: "the review to be charged" },
    );
    // Captured once: nothing else moves for a while.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await api("GET", "/v1/credits")).body.data.balance).toEqual(after.balance);
    expect((await api("GET", `/v1/reviews?contractId=${contractId}`)).body.data.total).toBe(2);
  }, 90_000);

  it("answers 503 fast while a killed service is away, and recovers when it returns without restarting the gateway", async () => {
    expect((await call(region.url, "GET", "/v1/contracts", { token: key })).status).toBe(200);
    expect(await region.processes.contracts.signal("SIGKILL")).toBeNull();

    const started = Date.now();
    const down = await call(region.url, "GET", "/v1/contracts", { token: key });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(down.headers.get("retry-after")).toBe("1");
    // A refused connection fails at once: the gateway never waits out its 5 s upstream timeout.
    expect(Date.now() - started).toBeLessThan(4_500);
    // Other services are unaffected.
    expect((await call(region.url, "GET", "/v1/credits", { token: key })).status).toBe(200);

    await region.processes.contracts.start();
    await waitFor(
      async () => (await call(region.url, "GET", "/v1/contracts", { token: key })).status === 200,
      { timeoutMs: 20_000, message: "the gateway to reach contracts again" },
    );
  }, 60_000);
});
