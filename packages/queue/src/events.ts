/**
 * The events services tell each other about, with their payloads. An event is a fact that
 * happened; it carries ids and the public shape of what changed, never a secret.
 */
export interface EventMap {
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
};
