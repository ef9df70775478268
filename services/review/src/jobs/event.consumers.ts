import type { Kysely } from "kysely";
import type { EventHandlers } from "@clment/queue";
import type { DB } from "../data/db.js";
import type { PlaybookService } from "../domain/playbook.service.js";

/** The events the review service consumes (EVENT_ROUTES routes them here). */
export function reviewEventHandlers(playbooks: PlaybookService): EventHandlers {
  return {
    // Every new organization gets its built-in standard playbook, once.
    "organization.created": async (event, trx) => {
      await playbooks.createBuiltIn(trx as unknown as Kysely<DB>, event.data.organization.id);
    },
  };
}
