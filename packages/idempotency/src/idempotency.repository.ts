import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";

/**
 * The `idempotency_keys` table every service has in its own schema (one migration per service):
 * one row per (organization, key), in flight while `status_code` is null.
 */
export interface IdempotencyKeysTable {
  organization_id: string;
  key: string;
  request_hash: string;
  method: string;
  path: string;
  lock_id: string | null;
  locked_at: Date | null;
  status_code: number | null;
  content_type: string | null;
  response_body: Buffer | null;
  created_at: Date;
  expires_at: Date;
}

interface IdempotencyDb {
  idempotency_keys: IdempotencyKeysTable;
}

export interface StoredResponse {
  status: number;
  contentType: string | null;
  /** Null when the response was not kept because it held a secret (`Cache-Control: no-store`). */
  body: Buffer | null;
}

export type ClaimResult =
  | { outcome: "claimed"; lockId: string }
  | { outcome: "replay"; response: StoredResponse }
  | { outcome: "mismatch" }
  | { outcome: "in_flight" };

export interface ClaimRequest {
  organizationId: string;
  key: string;
  requestHash: string;
  method: string;
  path: string;
}

export class IdempotencyRepository {
  private readonly db: Kysely<IdempotencyDb>;

  constructor(
    db: Kysely<unknown>,
    private readonly retentionSeconds: number,
    private readonly leaseSeconds: number,
  ) {
    this.db = db as unknown as Kysely<IdempotencyDb>;
  }

  /**
   * Claims the key for this request, or says why not. A key is free when it was never used,
   * when its stored response is older than the retention, or when the same request holds it
   * but its process stopped answering (the lease ran out).
   */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const lockId = randomUUID();
      const fresh = {
        request_hash: request.requestHash,
        method: request.method,
        path: request.path,
        lock_id: lockId,
        locked_at: sql<Date>`now()`,
        status_code: null,
        content_type: null,
        response_body: null,
        created_at: sql<Date>`now()`,
        expires_at: sql<Date>`now() + make_interval(secs => ${this.retentionSeconds})`,
      };
      const inserted = await this.db
        .insertInto("idempotency_keys")
        .values({ organization_id: request.organizationId, key: request.key, ...fresh })
        .onConflict((oc) => oc.columns(["organization_id", "key"]).doNothing())
        .returning("lock_id")
        .executeTakeFirst();
      if (inserted) return { outcome: "claimed", lockId };

      const takenOver = await this.db
        .updateTable("idempotency_keys")
        .set(fresh)
        .where("organization_id", "=", request.organizationId)
        .where("key", "=", request.key)
        .where((eb) =>
          eb.or([
            eb("expires_at", "<=", sql<Date>`now()`),
            eb.and([
              eb("status_code", "is", null),
              eb("request_hash", "=", request.requestHash),
              eb("locked_at", "<", sql<Date>`now() - make_interval(secs => ${this.leaseSeconds})`),
            ]),
          ]),
        )
        .returning("lock_id")
        .executeTakeFirst();
      if (takenOver) return { outcome: "claimed", lockId };

      const row = await this.db
        .selectFrom("idempotency_keys")
        .select(["request_hash", "status_code", "content_type", "response_body"])
        .where("organization_id", "=", request.organizationId)
        .where("key", "=", request.key)
        .executeTakeFirst();
      // Released between our insert and this read: try again.
      if (!row) continue;
      if (row.request_hash !== request.requestHash) return { outcome: "mismatch" };
      if (row.status_code === null) return { outcome: "in_flight" };
      return {
        outcome: "replay",
        response: {
          status: row.status_code,
          contentType: row.content_type,
          body: row.response_body,
        },
      };
    }
    return { outcome: "in_flight" };
  }

  /** Stores the final response of the claim `lockId` (if it still holds the key). */
  async complete(
    organizationId: string,
    key: string,
    lockId: string,
    response: StoredResponse,
  ): Promise<void> {
    await this.db
      .updateTable("idempotency_keys")
      .set({
        status_code: response.status,
        content_type: response.contentType,
        response_body: response.body,
        lock_id: null,
        locked_at: null,
      })
      .where("organization_id", "=", organizationId)
      .where("key", "=", key)
      .where("lock_id", "=", lockId)
      .execute();
  }

  /** Frees the key again: the response was not final, so a retry must do the work. */
  async release(organizationId: string, key: string, lockId: string): Promise<void> {
    await this.db
      .deleteFrom("idempotency_keys")
      .where("organization_id", "=", organizationId)
      .where("key", "=", key)
      .where("lock_id", "=", lockId)
      .execute();
  }
}
