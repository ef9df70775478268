import { sql, type Selectable } from "kysely";
import type {
  Db,
  WebhookAttemptTable,
  WebhookAttemptTrigger,
  WebhookDeliveryStatus,
  WebhookDeliveryTable,
} from "./db.js";
import type { ListOptions, ListPage } from "./list.js";

export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>;

/** A queued attempt names the delivery and the `job_seq` it was scheduled for. */
export interface DeliveryJobRef {
  deliveryId: string;
  seq: number;
}

/** A delivery claimed for an attempt, with what is needed to send it. */
export interface ClaimedDelivery extends WebhookDeliveryRow {
  url: string;
  endpoint_enabled: boolean;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: Date | null;
  /** The endpoint's failure streak, when one runs. */
  failing_since: Date | null;
}

export interface EventToDeliver {
  organizationId: string;
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  body: string;
}

export interface AttemptRecord {
  trigger: WebhookAttemptTrigger;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/** What follows an attempt: delivered, failed for good, or another attempt after a delay. */
export type AttemptSettlement =
  | { status: "succeeded" }
  | { status: "failed" }
  | { status: "pending"; delayMs: number; retryIndex: number };

const ref = (row: { id: string; job_seq: number }): DeliveryJobRef => ({
  deliveryId: row.id,
  seq: row.job_seq,
});

export const webhookDeliveryRepository = {
  /**
   * One delivery per enabled endpoint of the event's organization that subscribes to its type,
   * in one statement; an event seen twice adds nothing. Returns the event's deliveries that are
   * still waiting for their first attempt (to queue them, again if need be).
   */
  async createForEvent(db: Db, event: EventToDeliver): Promise<DeliveryJobRef[]> {
    // One statement: the rows it inserts, and those an earlier handling of the event inserted
    // that still wait for their first attempt (the outer select does not see the new rows).
    const { rows } = await sql<{ id: string; job_seq: number }>`
      with inserted as (
        insert into webhook_deliveries
          (organization_id, endpoint_id, event_id, event_type, event_created_at, body, next_attempt_at)
        select e.organization_id, e.id, ${event.eventId}, ${event.eventType},
               ${event.eventCreatedAt}, ${event.body}, now()
        from webhook_endpoints e
        where e.organization_id = ${event.organizationId}
          and e.enabled
          and ${event.eventType} = any (e.events)
        on conflict (endpoint_id, event_id) do nothing
        returning id, job_seq
      )
      select id, job_seq from inserted
      union all
      select id, job_seq from webhook_deliveries
      where organization_id = ${event.organizationId}
        and event_id = ${event.eventId}
        and status = 'pending'
        and attempt_count = 0
    `.execute(db);
    return rows.map(ref);
  },

  /** A delivery of an event made up on the spot (the test event), due now. */
  insertOne(db: Db, endpointId: string, event: EventToDeliver): Promise<WebhookDeliveryRow> {
    return db
      .insertInto("webhook_deliveries")
      .values({
        organization_id: event.organizationId,
        endpoint_id: endpointId,
        event_id: event.eventId,
        event_type: event.eventType,
        event_created_at: event.eventCreatedAt,
        body: event.body,
        next_attempt_at: sql<Date>`now()`,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * Takes the delivery for one attempt: it must be pending, still scheduled as `seq` (a stale or
   * duplicate job finds nothing), and not held by another attempt. The hold lasts `leaseMs`; a
   * process that dies mid-attempt lets it go by itself.
   */
  async claim(db: Db, job: DeliveryJobRef, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    const { rows } = await sql<ClaimedDelivery>`
      update webhook_deliveries d
      set locked_until = now() + make_interval(secs => ${leaseMs / 1000})
      from webhook_endpoints e
      where d.id = ${job.deliveryId}
        and d.job_seq = ${job.seq}
        and d.status = 'pending'
        and (d.locked_until is null or d.locked_until < now())
        and e.id = d.endpoint_id
      returning d.*, e.url, e.enabled as endpoint_enabled, e.secret_ciphertext,
                e.previous_secret_ciphertext, e.previous_secret_expires_at, e.failing_since
    `.execute(db);
    return rows[0];
  },

  /**
   * Logs an attempt of a claimed delivery and settles what comes next, releasing the hold.
   * Returns the job to queue when another attempt follows.
   */
  async recordAttempt(
    db: Db,
    delivery: ClaimedDelivery,
    attempt: AttemptRecord,
    settlement: AttemptSettlement,
  ): Promise<DeliveryJobRef | undefined> {
    await db
      .insertInto("webhook_attempts")
      .values({
        organization_id: delivery.organization_id,
        delivery_id: delivery.id,
        attempt: delivery.attempt_count + 1,
        trigger: attempt.trigger,
        started_at: attempt.startedAt,
        duration_ms: attempt.durationMs,
        status_code: attempt.statusCode,
        error: attempt.error,
        response_excerpt: attempt.responseExcerpt,
      })
      .execute();
    const pending = settlement.status === "pending";
    const row = await db
      .updateTable("webhook_deliveries")
      .set({
        status: settlement.status,
        attempt_count: sql<number>`attempt_count + 1`,
        last_attempt_at: attempt.startedAt,
        last_status_code: attempt.statusCode,
        last_duration_ms: attempt.durationMs,
        last_error: attempt.error,
        last_response_excerpt: attempt.responseExcerpt,
        locked_until: null,
        next_attempt_at: pending
          ? sql<Date>`now() + make_interval(secs => ${settlement.delayMs / 1000})`
          : null,
        ...(pending
          ? { retry_index: settlement.retryIndex, job_seq: sql<number>`job_seq + 1` }
          : {}),
        ...(settlement.status === "succeeded" ? { delivered_at: sql<Date>`now()` } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", delivery.id)
      .returning(["id", "job_seq"])
      .executeTakeFirstOrThrow();
    return pending ? ref(row) : undefined;
  },

  /** Gives up on a claimed delivery without an attempt (its endpoint was disabled). */
  async abandon(db: Db, deliveryId: string, reason: string): Promise<void> {
    await db
      .updateTable("webhook_deliveries")
      .set({
        status: "failed",
        next_attempt_at: null,
        locked_until: null,
        last_error: reason,
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", deliveryId)
      .execute();
  },

  /** Every delivery of a disabled endpoint that waits for an attempt fails with `reason`. */
  async abandonPendingOf(db: Db, endpointId: string, reason: string): Promise<void> {
    await db
      .updateTable("webhook_deliveries")
      .set({
        status: "failed",
        next_attempt_at: null,
        last_error: reason,
        updated_at: sql<Date>`now()`,
      })
      .where("endpoint_id", "=", endpointId)
      .where("status", "=", "pending")
      .where((eb) =>
        eb.or([eb("locked_until", "is", null), eb("locked_until", "<", sql<Date>`now()`)]),
      )
      .execute();
  },

  /**
   * Schedules one more round of attempts now, whatever the delivery's status, unless an attempt
   * is in flight (undefined then, or when there is no such delivery).
   */
  redeliver(
    db: Db,
    organizationId: string,
    endpointId: string,
    deliveryId: string,
  ): Promise<WebhookDeliveryRow | undefined> {
    return db
      .updateTable("webhook_deliveries")
      .set({
        status: "pending",
        next_attempt_at: sql<Date>`now()`,
        retry_index: 0,
        job_seq: sql<number>`job_seq + 1`,
        updated_at: sql<Date>`now()`,
      })
      .where("organization_id", "=", organizationId)
      .where("endpoint_id", "=", endpointId)
      .where("id", "=", deliveryId)
      .where((eb) =>
        eb.or([eb("locked_until", "is", null), eb("locked_until", "<", sql<Date>`now()`)]),
      )
      .returningAll()
      .executeTakeFirst();
  },

  findById(
    db: Db,
    organizationId: string,
    endpointId: string,
    deliveryId: string,
  ): Promise<WebhookDeliveryRow | undefined> {
    return db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("endpoint_id", "=", endpointId)
      .where("id", "=", deliveryId)
      .executeTakeFirst();
  },

  async list(
    db: Db,
    organizationId: string,
    endpointId: string,
    options: ListOptions & { status?: WebhookDeliveryStatus; eventType?: string },
  ): Promise<ListPage<WebhookDeliveryRow>> {
    const direction = options.descending ? "desc" : "asc";
    let query = db
      .selectFrom("webhook_deliveries")
      .where("organization_id", "=", organizationId)
      .where("endpoint_id", "=", endpointId);
    if (options.status) query = query.where("status", "=", options.status);
    if (options.eventType) query = query.where("event_type", "=", options.eventType);
    const [items, count] = await Promise.all([
      query
        .selectAll()
        .orderBy("created_at", direction)
        .orderBy("id", direction)
        .offset(options.skip)
        .limit(options.take)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow(),
    ]);
    return { items, total: count.total };
  },

  attempts(db: Db, organizationId: string, deliveryId: string): Promise<WebhookAttemptRow[]> {
    return db
      .selectFrom("webhook_attempts")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("delivery_id", "=", deliveryId)
      .orderBy("attempt")
      .execute();
  },

  /** Deliveries that are due and not held: the queue may have lost them (a Redis restart). */
  async due(db: Db, limit: number): Promise<DeliveryJobRef[]> {
    const rows = await db
      .selectFrom("webhook_deliveries")
      .select(["id", "job_seq"])
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", sql<Date>`now()`)
      .where((eb) =>
        eb.or([eb("locked_until", "is", null), eb("locked_until", "<", sql<Date>`now()`)]),
      )
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    return rows.map(ref);
  },
};
