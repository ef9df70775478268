import { join } from "node:path";
import { perContext, type ServiceContext, type ServiceDefinition } from "@clment/runtime";
import { DEFAULT_SETTINGS, type ContractsApp, type ContractsSettings } from "./app.js";
import type { DB } from "./data/db.js";
import { ContractService } from "./domain/contract.service.js";
import { DocumentService } from "./domain/document.service.js";
import { KeyDateService } from "./domain/key-date.service.js";
import { OrganizationService } from "./domain/organization.service.js";
import { ReminderService } from "./domain/reminder.service.js";
import { SearchIndexer } from "./domain/search.indexer.js";
import { SearchService } from "./domain/search.service.js";
import { contractsEventHandlers } from "./jobs/event.consumers.js";
import { startExtractionWorker } from "./jobs/extraction.jobs.js";
import { ExtractionQueue } from "./jobs/extraction.queue.js";
import { startReminderWorker } from "./jobs/reminder.jobs.js";
import { ReminderQueue } from "./jobs/reminder.queue.js";
import { startSweeper } from "./jobs/sweep.jobs.js";
import { migrations } from "./migrations/index.js";
import { contractRoutes } from "./routes/contract.routes.js";
import { documentRoutes } from "./routes/document.routes.js";
import { internalRoutes } from "./routes/internal.routes.js";
import { keyDateRoutes } from "./routes/key-date.routes.js";
import { reminderRoutes } from "./routes/reminder.routes.js";
import { searchRoutes } from "./routes/search.routes.js";
import { FilesystemBlobStore } from "./storage/filesystem.blob-store.js";

export interface ContractsOptions {
  /** The service's clock (tests move it to make reminders due). */
  clock?: () => Date;
  settings?: Partial<ContractsSettings>;
}

/** Everything one running contracts service uses, built once from its context. */
export interface ContractsServices {
  app: ContractsApp;
  blobs: FilesystemBlobStore;
  contracts: ContractService;
  documents: DocumentService;
  keyDates: KeyDateService;
  reminders: ReminderService;
  search: SearchService;
  indexer: SearchIndexer;
  organizations: OrganizationService;
}

function build(context: ServiceContext<DB>, options: ContractsOptions): ContractsServices {
  const clock = options.clock ?? (() => new Date());
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const blobs = new FilesystemBlobStore(join(context.config.dataDir, "contracts"));
  const extractionQueue = new ExtractionQueue(context.redis, context.queues, context.logger);
  const reminderQueue = new ReminderQueue(context.redis, context.queues, context.logger, clock);
  context.onClose(async () => {
    await extractionQueue.close();
    await reminderQueue.close();
  });
  const app: ContractsApp = {
    db: context.db,
    logger: context.logger,
    kickRelay: () => context.relay.kick(),
    blobs,
    clock,
    settings,
    extractionQueue,
    reminderQueue,
  };
  const documents = new DocumentService(app);
  const reminders = new ReminderService(app);
  return {
    app,
    blobs,
    contracts: new ContractService(app, documents),
    documents,
    keyDates: new KeyDateService(app, reminders),
    reminders,
    search: new SearchService(app),
    indexer: new SearchIndexer(app),
    organizations: new OrganizationService(reminders),
  };
}

/**
 * The contracts service: contracts, documents and versions, text extraction, key dates and
 * reminders, and the workspace search index.
 */
export function createContractsService(options: ContractsOptions = {}): ServiceDefinition<DB> & {
  /** The services of a started instance (for tests and benchmarks). */
  servicesOf(context: ServiceContext<DB>): ContractsServices;
} {
  const servicesOf = perContext((context: ServiceContext<DB>) => build(context, options));
  return {
    name: "contracts",
    schema: "contracts",
    migrations,
    servicesOf,
    routes(app, context) {
      const services = servicesOf(context);
      contractRoutes(app, services);
      documentRoutes(app, services);
      keyDateRoutes(app, services);
      reminderRoutes(app, services);
      searchRoutes(app, services);
      internalRoutes(app, services, context.tokens);
    },
    consumers(context) {
      const services = servicesOf(context);
      return contractsEventHandlers(services.app, services.indexer, services.organizations);
    },
    async start(context) {
      const services = servicesOf(context);
      await services.blobs.init();
      const extraction = startExtractionWorker({
        connection: context.workerConnection(),
        settings: context.queues,
        logger: context.logger,
        documents: services.documents,
      });
      const reminders = startReminderWorker({
        connection: context.workerConnection(),
        settings: context.queues,
        logger: context.logger,
        reminders: services.reminders,
        queue: services.app.reminderQueue,
      });
      context.worker(extraction);
      context.worker(reminders);
      const stopSweeper = startSweeper(services.app);
      context.onClose(async () => {
        stopSweeper();
        await Promise.all([extraction.close(), reminders.close()]);
      });
    },
  };
}

export const contractsService = createContractsService();
