import { lockAccount, expirePacks } from "./account.service.js";
import type { CreditsDeps } from "./deps.js";
import { dayOf } from "./period.js";

/**
 * The periodic work of the credits service: new periods and expired packs. Each organization is
 * handled in its own transaction under its account lock, so a run that overlaps another (two
 * instances, a late run, a retry) finds the work done and does nothing twice.
 */
export class MaintenanceService {
  constructor(private readonly deps: CreditsDeps) {}

  /** Starts the current period of every account whose period has ended; returns how many. */
  async rollOverPeriods(batchSize = 200): Promise<number> {
    const { store } = this.deps;
    let rolled = 0;
    for (;;) {
      const now = this.deps.clock();
      const due = await store.read.accounts.dueForRollover(dayOf(now), batchSize);
      for (const organizationId of due) {
        await store.transaction((tx) => lockAccount(tx, organizationId, now));
      }
      rolled += due.length;
      if (due.length < batchSize) return rolled;
    }
  }

  /** Expires what is left in packs past their 12 months; returns how many organizations. */
  async expirePacks(batchSize = 200): Promise<number> {
    const { store } = this.deps;
    let organizations = 0;
    for (;;) {
      const now = this.deps.clock();
      const due = await store.read.packs.organizationsWithExpiredCredits(now, batchSize);
      for (const organizationId of due) {
        await store.transaction(async (tx) => {
          const account = await lockAccount(tx, organizationId, now);
          await expirePacks(tx, account, now);
        });
      }
      organizations += due.length;
      if (due.length < batchSize) return organizations;
    }
  }
}
