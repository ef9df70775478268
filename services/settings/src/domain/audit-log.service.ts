import { auditLogRepository, type AuditLogRow } from "../data/audit-log.repository.js";
import type { ListOptions } from "../data/list.js";
import { settingsActor, type Caller } from "./caller.js";
import type { SettingsDeps } from "./deps.js";

export interface AuditEntry {
  id: string;
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string } | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export function toAuditEntry(row: AuditLogRow): AuditEntry {
  return {
    id: row.id,
    action: row.action,
    actor: { type: row.actor_type, id: row.actor_id },
    target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
    requestId: row.request_id,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
  };
}

export class AuditLogService {
  constructor(private readonly deps: SettingsDeps) {}

  async list(caller: Caller, options: ListOptions) {
    const actor = settingsActor(caller);
    const { items, total } = await auditLogRepository.list(
      this.deps.db,
      actor.organizationId,
      options,
    );
    return { entries: items.map(toAuditEntry), total };
  }
}
