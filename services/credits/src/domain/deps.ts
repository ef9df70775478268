import type { Logger } from "@clment/http";
import type { CreditsStore } from "../data/credits.store.js";

/** What the credits use cases need, handed over by the service's wiring. */
export interface CreditsDeps {
  store: CreditsStore;
  /** The current time; tests move it. */
  clock: () => Date;
  /** How long a reservation holds credits unless the caller says otherwise. */
  reservationTtlSeconds: number;
  /** The most reservations of one organization taken in one statement. */
  reservationBatchSize: number;
  logger: Logger;
}
