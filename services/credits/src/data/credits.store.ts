import type { Kysely } from "kysely";
import { writeEvent, type EventType, type NewEvent } from "@clment/queue";
import { AccountRepository } from "./account.repository.js";
import type { Db } from "./db.js";
import { LedgerRepository } from "./ledger.repository.js";
import { PackRepository } from "./pack.repository.js";
import { ReservationRepository } from "./reservation.repository.js";

/** The outbox of the credits schema: events written in the caller's transaction. */
export class EventRecorder {
  written = 0;
  constructor(private readonly db: Db) {}

  async record<T extends EventType>(event: NewEvent<T>): Promise<void> {
    await writeEvent(this.db as unknown as Kysely<unknown>, event);
    this.written++;
  }
}

export interface Repositories {
  accounts: AccountRepository;
  packs: PackRepository;
  reservations: ReservationRepository;
  ledger: LedgerRepository;
  events: EventRecorder;
}

export function repositoriesOf(db: Db): Repositories {
  return {
    accounts: new AccountRepository(db),
    packs: new PackRepository(db),
    reservations: new ReservationRepository(db),
    ledger: new LedgerRepository(db),
    events: new EventRecorder(db),
  };
}

/**
 * The credits schema: repositories outside a transaction (`read`), or inside one (`transaction`),
 * after which the outbox relay is asked to publish what the transaction recorded.
 */
export class CreditsStore {
  readonly read: Repositories;
  /**
   * Reservations taken in one statement (`reserveFromAllowance`), on connections that commit
   * without waiting for the WAL flush (see the README: a hold lost in a database crash is a
   * free operation, never an oversold one). The main connections otherwise.
   */
  readonly holds: ReservationRepository;

  constructor(
    private readonly db: Db,
    private readonly relay: { kick(): void },
    holdsDb: Db = db,
  ) {
    this.read = repositoriesOf(db);
    this.holds = new ReservationRepository(holdsDb);
  }

  async transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    let recorded = 0;
    const result = await this.db.transaction().execute(async (trx) => {
      const tx = repositoriesOf(trx);
      const value = await work(tx);
      recorded = tx.events.written;
      return value;
    });
    if (recorded > 0) this.relay.kick();
    return result;
  }
}
