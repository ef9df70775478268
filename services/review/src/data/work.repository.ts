import { sql, type Kysely } from "kysely";
import type { JobName } from "../jobs/work.queue.js";
import type { DB } from "./db.js";
import { UNFINISHED } from "./metered-job.repository.js";

const TABLES = { review: "reviews", redline: "redlines", conversion: "conversions" } as const;

/**
 * Work across organizations, for the sweeper only: resources still queued or running long
 * after their last change, whose job Redis may have lost. Each row names its organization.
 */
export class WorkRepository {
  constructor(private readonly db: Kysely<DB>) {}

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
}
