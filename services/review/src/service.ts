import type { Worker } from "bullmq";
import { perContext, type ServiceContext, type ServiceDefinition } from "@clment/runtime";
import { CreditsClient } from "@clment/credits-client";
import type { ReviewApp } from "./app.js";
import { ContractsClient, type ContractsPort } from "./clients/contracts.client.js";
import { reviewSettingsFromEnv, type ReviewSettings } from "./config.js";
import type { DB } from "./data/db.js";
import { ConversionService } from "./domain/conversion.service.js";
import { CreditsMetering, type Metering } from "./domain/metering.js";
import { PlaybookService } from "./domain/playbook.service.js";
import { RedlineService } from "./domain/redline.service.js";
import { ReviewService } from "./domain/review.service.js";
import { BuiltinReviewProvider } from "./engine/builtin.provider.js";
import { OpenAiReviewProvider } from "./engine/openai.provider.js";
import type { ReviewProvider } from "./engine/review.types.js";
import { ConversionJobs } from "./jobs/conversion.jobs.js";
import { reviewEventHandlers } from "./jobs/event.consumers.js";
import { RedlineJobs } from "./jobs/redline.jobs.js";
import { ReviewJobs } from "./jobs/review.jobs.js";
import { WorkQueue } from "./jobs/work.queue.js";
import { startSweeper } from "./jobs/work.sweeper.js";
import { startWorkWorker } from "./jobs/work.worker.js";
import { migrations } from "./migrations/index.js";
import { documentRoutes } from "./routes/document.routes.js";
import { playbookRoutes } from "./routes/playbook.routes.js";
import { reviewRoutes } from "./routes/review.routes.js";

export interface ReviewOptions {
  /** The service's settings; read from the environment when absent. */
  settings?: Partial<ReviewSettings>;
  /** A review engine to use instead of the configured one (tests). */
  provider?: ReviewProvider;
  /** Peers to use instead of the region's services over HTTP (tests, benchmarks). */
  contracts?: ContractsPort;
  metering?: Metering;
  /** Whether this instance runs the job worker (default true). */
  worker?: boolean;
  clock?: () => Date;
}

/** Everything one running review service uses, built once from its context. */
export interface ReviewServices {
  app: ReviewApp;
  playbooks: PlaybookService;
  reviews: ReviewService;
  redlines: RedlineService;
  conversions: ConversionService;
  jobs: { review: ReviewJobs; redline: RedlineJobs; conversion: ConversionJobs };
  worker?: Worker;
}

function providerOf(settings: ReviewSettings): ReviewProvider {
  const provider = settings.provider;
  return provider.kind === "openai"
    ? new OpenAiReviewProvider({
        baseUrl: provider.baseUrl,
        model: provider.model,
        ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
        timeoutMs: provider.timeoutMs,
        maxRetries: provider.maxRetries,
      })
    : new BuiltinReviewProvider();
}

function peerUrl(name: string, url: string | undefined): string {
  if (!url)
    throw new Error(
      `The review service needs ${name} (the region's ${name.split("_")[0]!.toLowerCase()} service)`,
    );
  return url;
}

function build(context: ServiceContext<DB>, options: ReviewOptions): ReviewServices {
  const settings: ReviewSettings = { ...reviewSettingsFromEnv(), ...options.settings };
  const clock = options.clock ?? (() => new Date());
  const queue = new WorkQueue(context.redis, context.queues, context.logger, {
    attempts: settings.jobAttempts,
    backoffMs: settings.jobBackoffMs,
  });
  context.onClose(() => queue.close());
  const contracts =
    options.contracts ??
    new ContractsClient({
      baseUrl: peerUrl("CONTRACTS_URL", context.config.CONTRACTS_URL),
      tokens: context.tokens,
    });
  const metering =
    options.metering ??
    new CreditsMetering(
      new CreditsClient({
        baseUrl: peerUrl("CREDITS_URL", context.config.CREDITS_URL),
        tokens: context.tokens,
        service: "review",
      }),
      settings.prices,
    );
  const app: ReviewApp = {
    db: context.db,
    logger: context.logger,
    kickRelay: () => context.relay.kick(),
    settings,
    contracts,
    metering,
    provider: options.provider ?? providerOf(settings),
    queue,
  };
  const playbooks = new PlaybookService(app);
  const reviews = new ReviewService(app, playbooks);
  return {
    app,
    playbooks,
    reviews,
    redlines: new RedlineService(app, reviews),
    conversions: new ConversionService(app),
    jobs: {
      review: new ReviewJobs(app),
      redline: new RedlineJobs(app, clock),
      conversion: new ConversionJobs(app, clock),
    },
  };
}

/**
 * The review service: playbooks, reviews and findings, redlines and conversions, with the AI
 * work done by BullMQ workers and metered by the credits service.
 */
export function createReviewService(options: ReviewOptions = {}): ServiceDefinition<DB> & {
  /** The services of a started instance (for tests and benchmarks). */
  servicesOf(context: ServiceContext<DB>): ReviewServices;
} {
  const servicesOf = perContext((context: ServiceContext<DB>) => build(context, options));
  return {
    name: "review",
    schema: "review",
    migrations,
    servicesOf,
    routes(app, context) {
      const services = servicesOf(context);
      playbookRoutes(app, services);
      reviewRoutes(app, services);
      documentRoutes(app, services);
    },
    consumers(context) {
      return reviewEventHandlers(servicesOf(context).playbooks);
    },
    async start(context) {
      if (options.worker === false) return;
      const services = servicesOf(context);
      const worker = startWorkWorker({
        connection: context.workerConnection(),
        settings: context.queues,
        logger: context.logger,
        handlers: services.jobs,
        concurrency: services.app.settings.workerConcurrency,
        lockMs: services.app.settings.jobLockMs,
      });
      services.worker = context.worker(worker);
      await worker.waitUntilReady();
      const stopSweeper = startSweeper({
        db: context.db,
        queue: services.app.queue,
        logger: context.logger,
        intervalMs: services.app.settings.sweepIntervalMs,
        staleMs: services.app.settings.staleWorkMs,
      });
      context.onClose(stopSweeper);
    },
  };
}

export const reviewService = createReviewService();
