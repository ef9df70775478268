import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Identity } from "@clment/auth";
import { dropDatabase } from "@clment/db";
import { loadServiceConfig, startService, type RunningService } from "@clment/runtime";
import { createTestRedisPrefix, testSecret } from "@clment/testing";
import type { Metric } from "./lib/metrics.js";
import { POSTGRES_URL, prepareBenchDatabase, REDIS_URL } from "./lib/stores.js";
import type { ContractsPort } from "../services/review/src/clients/contracts.client.js";
import type { DB } from "../services/review/src/data/db.js";
import type { Metering } from "../services/review/src/domain/metering.js";
import { defaultClassifier } from "../services/review/src/engine/clause.classifier.js";
import {
  evaluateClassifier,
  readLabeledClauses,
  splitHeldOut,
} from "../services/review/src/engine/clause.training.js";
import { reviewText } from "../services/review/src/engine/review.engine.js";
import { standardRules } from "../services/review/src/engine/standard-playbook.js";
import { createReviewService } from "../services/review/src/service.js";
import { agreementText } from "../services/review/test/support/services-agreement.js";

const TARGET_REVIEWS_PER_SECOND = 20;
const MIN_ACCURACY = 0.85;
const ENGINE_SECONDS = 3;
const WORKER_REVIEWS = 150;

/** The classifier's accuracy on the held-out part of its labeled set (catalogued types). */
function classifierAccuracy(): Metric {
  const { heldOut } = splitHeldOut(readLabeledClauses().examples);
  const evaluation = evaluateClassifier(
    defaultClassifier(),
    heldOut.filter((e) => e.label !== "other"),
  );
  console.log(`classifier: ${evaluation.correct}/${evaluation.total} held-out clauses right`);
  return {
    name: "clause classifier held-out accuracy",
    value: evaluation.accuracy * 100,
    unit: "%",
    target: `≥ ${MIN_ACCURACY * 100} %`,
    pass: evaluation.accuracy >= MIN_ACCURACY,
  };
}

/** The built-in engine alone, on one thread: split, classify, extract and check 12 rules. */
function engineThroughput(text: string): Metric {
  const rules = standardRules();
  for (let i = 0; i < 5; i++) reviewText(text, rules);
  let reviews = 0;
  const started = performance.now();
  while (performance.now() - started < ENGINE_SECONDS * 1_000) {
    reviewText(text, rules);
    reviews++;
  }
  const perSecond = reviews / ((performance.now() - started) / 1_000);
  console.log(`engine: ${reviews} reviews in ${ENGINE_SECONDS} s`);
  return {
    name: "built-in engine, 10-page agreement (one thread)",
    value: perSecond,
    unit: "reviews/s",
    target: `≥ ${TARGET_REVIEWS_PER_SECOND}`,
    pass: perSecond >= TARGET_REVIEWS_PER_SECOND,
  };
}

/**
 * One review worker (concurrency 1) draining a queue of reviews of the 10-page agreement: the
 * job, the engine, findings and events stored in Postgres. The contracts and credits services
 * are replaced by in-process answers, so the figure is the review worker's own.
 */
async function workerThroughput(text: string): Promise<Metric> {
  const databaseName = `clment_bench_review_${randomUUID().slice(0, 8)}`;
  const url = await prepareBenchDatabase(databaseName);
  const redis = createTestRedisPrefix("bench-review");
  const contracts: ContractsPort = {
    contract: (_org, id) =>
      Promise.resolve({
        id,
        title: "Master Services Agreement",
        document: {
          version: 1,
          filename: "msa.docx",
          mimeType: "docx",
          extraction: "completed",
        },
      }),
    text: () => Promise.resolve({ text, version: 1, extraction: "completed" }),
  };
  const metering: Metering = {
    price: () => 10,
    reserve: () => Promise.resolve({ reservationId: randomUUID(), amount: 10 }),
    capture: () => Promise.resolve(),
    release: () => Promise.resolve(),
  };
  const config = loadServiceConfig({
    REGION: "us",
    DATABASE_URL: url,
    REDIS_URL,
    REDIS_PREFIX: redis.prefix,
    IDENTITY_SECRET: testSecret("bench"),
    LOG_LEVEL: "warn",
  });
  const running: RunningService<DB>[] = [];
  try {
    // An API instance queues the reviews; a worker instance started afterwards drains them.
    const api = createReviewService({ contracts, metering, worker: false });
    running.push(await startService(api, config));
    const services = api.servicesOf(running[0]!.context);
    const organizationId = randomUUID();
    await services.app.db
      .transaction()
      .execute((trx) => services.playbooks.createBuiltIn(trx, organizationId));
    const identity: Identity = {
      organizationId,
      principal: { type: "api_key", id: randomUUID() },
      role: null,
      region: "us",
    };
    const playbookId = (
      await services.playbooks.list(
        identity,
        { field: "createdAt", descending: true },
        { skip: 0, take: 1 },
      )
    ).playbooks[0]!.id;
    for (let i = 0; i < WORKER_REVIEWS; i++) {
      await services.reviews.request(identity, randomUUID(), { playbookId });
    }
    const started = performance.now();
    const worker = createReviewService({
      contracts,
      metering,
      settings: { workerConcurrency: 1 },
    });
    running.push(await startService(worker, config));
    for (;;) {
      const { done } = await services.app.db
        .selectFrom("reviews")
        .select((eb) => eb.fn.countAll<number>().as("done"))
        .where("organization_id", "=", organizationId)
        .where("status", "=", "completed")
        .executeTakeFirstOrThrow();
      if (Number(done) >= WORKER_REVIEWS) break;
      if (performance.now() - started > 120_000)
        throw new Error("the worker did not finish in 2 minutes");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const perSecond = WORKER_REVIEWS / ((performance.now() - started) / 1_000);
    console.log(`worker: ${WORKER_REVIEWS} reviews drained at ${perSecond.toFixed(1)}/s`);
    return {
      name: "review worker, 10-page agreement (concurrency 1, Postgres + BullMQ)",
      value: perSecond,
      unit: "reviews/s",
      target: `≥ ${TARGET_REVIEWS_PER_SECOND}`,
      pass: perSecond >= TARGET_REVIEWS_PER_SECOND,
    };
  } finally {
    for (const service of running.reverse()) await service.close();
    await redis.cleanup();
    await dropDatabase(POSTGRES_URL, databaseName);
  }
}

/**
 * `pnpm bench` section "Review": contracts reviewed per second per worker with the built-in
 * engine on the 10-page services agreement, and the clause classifier's held-out accuracy.
 */
export async function benchReview(): Promise<Metric[]> {
  const text = agreementText();
  console.log(`agreement: ${text.split(/\s+/).length} words`);
  return [classifierAccuracy(), engineThroughput(text), await workerThroughput(text)];
}
