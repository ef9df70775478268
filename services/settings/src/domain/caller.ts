import { assertSettingsAccess, type Identity, type Role } from "@clment/auth";
import { AppError } from "@clment/http";
import type { NewAuditEntry } from "../data/audit-log.repository.js";

/** Who is asking, and the request to file their actions under in the audit log. */
export interface Caller {
  identity: Identity;
  requestId: string | null;
}

/** The signed-in owner or admin behind a settings request; anyone else is refused. */
export interface SettingsActor {
  organizationId: string;
  userId: string;
  role: Role;
  requestId: string | null;
}

export function settingsActor({ identity, requestId }: Caller): SettingsActor {
  assertSettingsAccess(identity);
  if (identity.principal.type !== "user" || !identity.role) throw new AppError("FORBIDDEN");
  return {
    organizationId: identity.organizationId,
    userId: identity.principal.id,
    role: identity.role,
    requestId,
  };
}

/** The audit entry of something a settings actor did. */
export function auditBy(
  actor: SettingsActor,
  action: string,
  target: NewAuditEntry["target"],
  metadata?: Record<string, unknown>,
): NewAuditEntry {
  return {
    organizationId: actor.organizationId,
    action,
    actor: { type: "user", id: actor.userId },
    target,
    requestId: actor.requestId,
    metadata,
  };
}
