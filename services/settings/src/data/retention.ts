import { sql } from "kysely";
import type { RetentionRule } from "@clment/runtime";

/** How long settings keeps rows nobody can use any more (see README.md, "Retention"). */
export const SETTINGS_RETENTION = {
  /** Finished webhook deliveries (and their attempts): the deliveries log shows 30 days. */
  webhookDeliveryDays: 30,
  /** Sessions after they expired or were revoked. */
  sessionDays: 30,
} as const;

export const settingsRetentionRules: readonly RetentionRule[] = [
  {
    // Attempts go with their delivery (on delete cascade). Pending deliveries are never deleted.
    table: "webhook_deliveries",
    expired: sql`status <> 'pending' and updated_at < now() - make_interval(days => ${SETTINGS_RETENTION.webhookDeliveryDays})`,
  },
  {
    table: "sessions",
    expired: sql`expires_at < now() - make_interval(days => ${SETTINGS_RETENTION.sessionDays})
      or revoked_at < now() - make_interval(days => ${SETTINGS_RETENTION.sessionDays})`,
  },
  // An SSO sign-in not finished within its ten minutes can never finish.
  { table: "sso_logins", expired: sql`expires_at < now()` },
];
