import type { EventHandler } from "@clment/queue";
import { repositoriesOf } from "../data/credits.store.js";
import type { Db } from "../data/db.js";
import { openAccount } from "../domain/account.service.js";

/**
 * A new organization gets its credit account: the default plan, periods anchored on its signup
 * day, the first allowance granted. Runs in the transaction that marks the event processed; an
 * account that exists already (a duplicate event, or a reservation that came first) stays as is.
 */
export function organizationCreated(clock: () => Date): EventHandler<"organization.created"> {
  return async (event, trx) => {
    const { organization } = event.data;
    await openAccount(
      repositoriesOf(trx as unknown as Db),
      organization.id,
      new Date(organization.createdAt),
      clock(),
    );
  };
}
