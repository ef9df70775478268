import { sql, type Kysely } from "kysely";
import type { JobName } from "../jobs/work.queue.js";
import type { DB } from "./db.js";
import { UNFINISHED } from "./metered-job.repository.js";

const TABLES = { review: "reviews", redline: "redlines", conversion: "conversions" } as const;

/**
 * Work across organizations, for the sweeper only: resources whose job may have been lost or
 * given up on before they were settled. Each row names its organization.
 */
export class WorkRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Resources still queued or running long after their last change. */
  async unfinished(
    name: JobName,
    olderThanMs: number,
    limit: number,
  ): Promise<{ id: string; organizationId: string }[]> {
    const rows = await this.db
      .selectFrom(TABLES[name])
      .select(["id", "organization_id"])
      .where("status", "in", UNFINISHED)
      .where("updated_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
      .orderBy("updated_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
  }

  /**
   * Resources failed long ago whose credits were neither charged nor given back (releasing them
   * failed), while the credits service still holds them: until the hold ends they are not
   * spendable, and the resource would say `released: false` for good.
   */
  unreleased(name: JobName, olderThanMs: number, heldForMs: number, limit: number) {
    return this.unsettledCredits(name, "failed", olderThanMs, heldForMs, limit);
  }

  /**
   * Resources completed long ago but not charged (capturing their credits failed), whose
   * reservation is young enough for the credits service to hold it still.
   */
  uncharged(name: JobName, olderThanMs: number, heldForMs: number, limit: number) {
    return this.unsettledCredits(name, "completed", olderThanMs, heldForMs, limit);
  }

  /** Finished resources whose credits are still held, untouched for `olderThanMs`. */
  private async unsettledCredits(
    name: JobName,
    status: "completed" | "failed",
    olderThanMs: number,
    heldForMs: number,
    limit: number,
  ): Promise<{ id: string; organizationId: string }[]> {
    const rows = await this.db
      .selectFrom(TABLES[name])
      .select(["id", "organization_id"])
      .where("status", "=", status)
      .where("reservation_id", "is not", null)
      .where("charged_at", "is", null)
      // A failed resource is settled once released; a completed one once charged.
      .$if(status === "failed", (query) => query.where("released_at", "is", null))
      .where("updated_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
      .where("created_at", ">", sql<Date>`now() - make_interval(secs => ${heldForMs / 1000})`)
      .orderBy("updated_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
  }
}
