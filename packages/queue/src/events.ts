/** Who did what an event reports, as the audit log names them (e.g. `{type: "user", id}`). */
export interface EventActor {
  type: string;
  id: string;
}

/**
 * The events services tell each other about, with their payloads. An event is a fact that
 * happened; it carries ids and the public shape of what changed, never a secret.
 */
export interface EventMap extends ReviewEventMap {
  "organization.created": {
    organization: { id: string; name: string; region: string; timezone: string; createdAt: string };
    ownerUserId: string;
  };
  "organization.updated": { organization: { id: string; name: string; timezone: string } };
  "api_key.created": { apiKey: { id: string; label: string; prefix: string; createdBy: string } };
  "api_key.revoked": { apiKey: { id: string; label: string; prefix: string }; keyHash: string };
  "session.revoked": { sessionId: string; tokenHash: string };
  "member.invited": { member: { id: string; email: string; role: string } };
  "member.joined": { member: { id: string; email: string; role: string } };
  "member.role_changed": {
    member: { id: string; email: string; role: string };
    previousRole: string;
  };
  "member.removed": { member: { id: string; email: string; role: string } };
  /** The organization moved to another plan (credits owns plans; the gateway's limits follow). */
  "plan.changed": { plan: string; previousPlan: string; actor?: EventActor };
  /** An owner or admin bought a credit pack (credits owns packs; settings audits it). */
  "credit_pack.purchased": {
    creditPack: { id: string; size: number; expiresAt: string };
    actor: EventActor;
  };
  /** The organization's credit balance fell under 10 % of its monthly allowance (once a period). */
  "credits.low": CreditsBalanceEvent;
  /** The organization's credit balance reached zero (once a period). */
  "credits.exhausted": CreditsBalanceEvent;
  "contract.created": { contract: ContractSnapshot };
  "contract.updated": { contract: ContractSnapshot; changed: string[] };
  "contract.deleted": { contract: { id: string; title: string } };
  /** A new version of a contract's document was stored; its text may still be extracting. */
  "document.uploaded": { contractId: string; document: DocumentSnapshot };
  /** Text extraction of a document version finished (or failed for good). */
  "document.extracted": {
    contractId: string;
    versionId: string;
    version: number;
    status: "completed" | "failed";
  };
  "key_date.reminder": {
    reminder: {
      id: string;
      daysBefore: number;
      channels: string[];
      recipients: string[];
      fireAt: string;
    };
    keyDate: {
      id: string;
      kind: string;
      date: string;
      title: string;
      description: string | null;
    };
    contract: { id: string; title: string };
  };
  /** A webhook endpoint was disabled by delivery: it answered 410 Gone, or failed for days. */
  "webhook_endpoint.disabled": {
    webhook: { id: string; url: string; description: string };
    reason: "gone" | "failing";
    failingSince: string | null;
    lastError: string | null;
    lastStatusCode: number | null;
  };
}

/** The payload of the credits balance events, as `GET /v1/credits` shows the balance. */
export interface CreditsBalanceEvent {
  balance: { total: number; allowance: number; packs: number };
  plan: string;
  monthlyAllowance: number;
  period: { start: string; end: string };
}

/** A document version as the public API shows it under `contract.document`. */
export interface DocumentSnapshot {
  versionId: string;
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
  version: number;
  extraction: "pending" | "completed" | "failed";
  uploadedAt: string;
}

/** A contract as the public API shows it (`GET /v1/contracts/:id`). */
export interface ContractSnapshot {
  id: string;
  title: string;
  status: string;
  counterparty: string | null;
  value: { amount: number; currency: string } | null;
  effectiveDate: string | null;
  endDate: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  document: DocumentSnapshot | null;
  createdAt: string;
  updatedAt: string;
}

/** The review service's events (playbooks and findings feed the search index). */
export interface ReviewEventMap {
  "playbook.created": { playbook: PlaybookSnapshot };
  "playbook.updated": { playbook: PlaybookSnapshot };
  "playbook.deleted": { playbook: { id: string; name: string } };
  "review.completed": { review: ReviewSnapshot };
  "review.failed": { review: ReviewSnapshot };
  /** One per finding of a completed review. */
  "finding.created": { finding: FindingSnapshot };
  "redline.completed": {
    redline: { id: string; reviewId: string; contractId: string; changes: number };
  };
  "conversion.completed": {
    conversion: { id: string; contractId: string; format: string; size: number };
  };
}

export interface PlaybookSnapshot {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  rules: { id: string; title: string; clauseType: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface ReviewSnapshot {
  id: string;
  contractId: string;
  playbookId: string;
  status: string;
  summary: unknown;
  error: string | null;
}

export interface FindingSnapshot {
  id: string;
  reviewId: string;
  contractId: string;
  ruleId: string;
  ruleTitle: string;
  clauseType: string;
  status: string;
  severity: string;
  excerpt: string;
  explanation: string;
  createdAt: string;
}

export type EventType = keyof EventMap;

/** The envelope every event travels in, from outbox to consumer. */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  organizationId: string | null;
  region: string;
  createdAt: string;
  data: EventMap[T];
}

export interface NewEvent<T extends EventType = EventType> {
  type: T;
  organizationId: string | null;
  data: EventMap[T];
}

/**
 * Who consumes which event in a region: the event topology in one place. The relay fans each
 * event out to one queue per consumer listed here. It is data, not a service import: a consumer
 * is named by the name it runs its EventConsumer under. Kept in code, not in Redis, so that a
 * Redis that comes back empty still routes every event.
 */
export type EventRoutes = { [T in EventType]?: readonly string[] };

export const EVENT_ROUTES: EventRoutes = {
  "api_key.revoked": ["gateway"],
  "session.revoked": ["gateway"],
  "organization.created": ["contracts", "credits", "review"],
  "organization.updated": ["contracts"],
  "plan.changed": ["settings"],
  "credit_pack.purchased": ["settings"],
  "contract.created": ["contracts", "settings"],
  "contract.updated": ["contracts", "settings"],
  "contract.deleted": ["contracts", "settings"],
  "document.uploaded": ["contracts"],
  "document.extracted": ["contracts"],
  "playbook.created": ["contracts"],
  "playbook.updated": ["contracts"],
  "playbook.deleted": ["contracts"],
  "finding.created": ["contracts"],
  "review.completed": ["settings"],
  "review.failed": ["settings"],
  "redline.completed": ["settings"],
  "conversion.completed": ["settings"],
  "key_date.reminder": ["settings"],
  "credits.low": ["settings"],
  "credits.exhausted": ["settings"],
  "webhook_endpoint.disabled": ["settings"],
};
