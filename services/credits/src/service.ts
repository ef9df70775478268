import type { Express } from "express";
import { createDatabase } from "@clment/db";
import { perContext, type ServiceContext, type ServiceDefinition } from "@clment/runtime";
import { DEFAULT_CREDITS_CONFIG, type CreditsConfig } from "./config.js";
import { CreditsStore } from "./data/credits.store.js";
import type { DB } from "./data/db.js";
import { BillingService } from "./domain/billing.service.js";
import type { CreditsDeps } from "./domain/deps.js";
import { MaintenanceService } from "./domain/maintenance.service.js";
import { ReservationService } from "./domain/reservation.service.js";
import { CreditsJob, startCreditsJobs } from "./jobs/credits.jobs.js";
import { organizationCreated } from "./jobs/organization.events.js";
import { migrations } from "./migrations/index.js";
import { billingRoutes } from "./routes/billing.routes.js";
import { creditsRoutes } from "./routes/credits.routes.js";
import { reservationRoutes } from "./routes/reservation.routes.js";

/**
 * Connections for the one-statement reservations: they commit without waiting for the WAL
 * flush, so one organization's reservations are not serialized on disk flushes (the row lock is
 * held until commit). Everything else (captures, releases, purchases, grants) commits durably.
 */
function holdsDatabase(context: ServiceContext<DB>) {
  const holds = createDatabase<DB>({
    url: context.config.DATABASE_URL,
    schema: "credits",
    onError: (error) => context.logger.warn({ err: error }, "postgres client error"),
  });
  holds.pool.on("connect", (client) => {
    client.query("set synchronous_commit = off").catch((error: unknown) => {
      context.logger.warn({ err: error }, "could not turn off synchronous commit");
    });
  });
  context.onClose(() => holds.close());
  return holds;
}

export interface CreditsServiceOptions {
  /** The current time; tests move it. */
  clock?: () => Date;
}

/** The credits service: plans, allowances, packs, reservations and the ledger. */
export function createCreditsService(
  config: CreditsConfig = DEFAULT_CREDITS_CONFIG,
  options: CreditsServiceOptions = {},
): ServiceDefinition<DB> {
  const clock = options.clock ?? (() => new Date());

  function useCases(context: ServiceContext<DB>) {
    const deps: CreditsDeps = {
      store: new CreditsStore(context.db, context.relay, holdsDatabase(context).db),
      clock,
      reservationTtlSeconds: config.reservationTtlSeconds,
      reservationBatchSize: config.reservationBatchSize,
      logger: context.logger,
    };
    return {
      billing: new BillingService(deps),
      reservations: new ReservationService(deps),
      maintenance: new MaintenanceService(deps),
    };
  }
  /** One set of use cases per running service, shared by its routes and jobs. */
  const useCasesOf = perContext(useCases);

  return {
    name: "credits",
    schema: "credits",
    migrations,
    routes(app: Express, context) {
      const credits = useCasesOf(context);
      app.use(
        creditsRoutes(credits.billing),
        billingRoutes(credits.billing),
        reservationRoutes(credits.reservations),
      );
    },
    consumers() {
      return { "organization.created": organizationCreated(clock) };
    },
    async start(context) {
      const { reservations, maintenance } = useCasesOf(context);
      await startCreditsJobs(context, {
        handlers: {
          [CreditsJob.ExpireReservations]: () => reservations.expireOverdue(),
          [CreditsJob.RollOverPeriods]: () => maintenance.rollOverPeriods(),
          [CreditsJob.ExpirePacks]: () => maintenance.expirePacks(),
        },
        every: {
          [CreditsJob.ExpireReservations]: config.reservationSweepMs,
          [CreditsJob.RollOverPeriods]: config.maintenanceIntervalMs,
          [CreditsJob.ExpirePacks]: config.maintenanceIntervalMs,
        },
      });
    },
  };
}

export const creditsService = createCreditsService();
