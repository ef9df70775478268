import type { ColumnType, Generated, Kysely } from "kysely";
import type { Role } from "@clment/auth";
import type { OutboxTable } from "@clment/queue";

/** A timestamp the database fills in on insert. */
type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date>;

export type MemberStatus = "invited" | "active";

export interface OrganizationTable {
  id: Generated<string>;
  name: string;
  region: string;
  timezone: Generated<string>;
  /** The plan credits last announced (`plan.changed`); it sets the gateway's rate limits. */
  plan: Generated<string>;
  plan_changed_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UserTable {
  id: Generated<string>;
  organization_id: string;
  /** Always lower-case; unique in the region. */
  email: string;
  name: string;
  role: Role;
  status: MemberStatus;
  /** argon2id; null until an invited member accepts. */
  password_hash: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  joined_at: Date | null;
}

export interface SessionTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  /** SHA-256 of the session token. */
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface ApiKeyTable {
  id: Generated<string>;
  organization_id: string;
  label: string;
  prefix: string;
  /** SHA-256 of the secret. */
  key_hash: string;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface InviteTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  /** SHA-256 of the invite token. */
  token_hash: string;
  created_by: string;
  created_at: CreatedAt;
  expires_at: Date;
  accepted_at: Date | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  organization_id: string;
  action: string;
  actor_type: string;
  actor_id: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  metadata: ColumnType<Record<string, unknown>, string, never>;
  created_at: CreatedAt;
}

export type WebhookDisabledReason = "manual" | "gone" | "failing";

export interface WebhookEndpointTable {
  id: Generated<string>;
  organization_id: string;
  url: string;
  description: Generated<string>;
  events: string[];
  enabled: Generated<boolean>;
  disabled_reason: WebhookDisabledReason | null;
  disabled_at: Date | null;
  /** AES-256-GCM ciphertext of the `whsec_` secret; never leaves the service. */
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";
export type WebhookAttemptTrigger = "event" | "retry" | "redeliver" | "test";

export interface WebhookDeliveryTable {
  id: Generated<string>;
  organization_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  event_created_at: Date;
  body: string;
  status: Generated<WebhookDeliveryStatus>;
  attempt_count: Generated<number>;
  retry_index: Generated<number>;
  job_seq: Generated<number>;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_duration_ms: number | null;
  last_error: string | null;
  last_response_excerpt: string | null;
  delivered_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WebhookAttemptTable {
  id: Generated<string>;
  organization_id: string;
  delivery_id: string;
  attempt: number;
  trigger: WebhookAttemptTrigger;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

export type IntegrationProvider = "s3" | "google_drive" | "sharepoint";

export interface IntegrationTable {
  organization_id: string;
  provider: IntegrationProvider;
  /** The non-secret fields of the configuration. */
  config: ColumnType<Record<string, unknown>, string, string>;
  /** Secret field name -> AES-256-GCM ciphertext; never leaves the service. */
  secrets: ColumnType<Record<string, string>, string, string>;
  updated_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SsoConfigTable {
  organization_id: string;
  issuer: string;
  client_id: string;
  /** AES-256-GCM ciphertext of the OIDC client secret; never leaves the service. */
  client_secret_ciphertext: string;
  enforced: boolean;
  allowed_domains: string[];
  updated_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SsoLoginTable {
  /** SHA-256 of the OAuth `state`; a login is found (and consumed) by it. */
  state_hash: string;
  organization_id: string;
  nonce: string;
  /** The PKCE code verifier; only its challenge is sent to the provider. */
  code_verifier: string;
  /** SHA-256 of the binding cookie set on the browser that started the sign-in. */
  binding_hash: string;
  expires_at: Date;
  created_at: CreatedAt;
}

export interface DB {
  organizations: OrganizationTable;
  users: UserTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  invites: InviteTable;
  audit_log: AuditLogTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  integrations: IntegrationTable;
  sso_configs: SsoConfigTable;
  sso_logins: SsoLoginTable;
  outbox: OutboxTable;
  processed_events: { consumer: string; event_id: string; processed_at: Date };
}

/** The database or a transaction on it: repositories take either. */
export type Db = Kysely<DB>;
