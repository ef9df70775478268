import { apiKeyDisplayPrefix, generateApiKey, hashSecret } from "@clment/auth";
import { AppError } from "@clment/http";
import { apiKeyRepository, type ApiKeyRow } from "../data/api-key.repository.js";
import { auditLogRepository } from "../data/audit-log.repository.js";
import type { ListOptions } from "../data/list.js";
import { recordEvent } from "../data/transaction.js";
import { DAY_MS, type ApiKeyExpiryDays } from "../config.js";
import { auditBy, settingsActor, type Caller } from "./caller.js";
import type { SettingsDeps } from "./deps.js";

export interface ApiKey {
  id: string;
  label: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    label: row.label,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export class ApiKeyService {
  constructor(private readonly deps: SettingsDeps) {}

  async list(caller: Caller, options: ListOptions) {
    const actor = settingsActor(caller);
    const { items, total } = await apiKeyRepository.list(
      this.deps.db,
      actor.organizationId,
      options,
    );
    return { apiKeys: items.map(toApiKey), total };
  }

  /** Creates a key; its secret is returned here and never again (only its hash is kept). */
  async create(caller: Caller, input: { label: string; expiresInDays?: ApiKeyExpiryDays }) {
    const actor = settingsActor(caller);
    const secret = generateApiKey();
    const row = await this.deps.transactions.run(async (trx) => {
      const apiKey = await apiKeyRepository.insert(trx, {
        organizationId: actor.organizationId,
        label: input.label,
        prefix: apiKeyDisplayPrefix(secret),
        keyHash: hashSecret(secret),
        createdBy: actor.userId,
        expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * DAY_MS) : null,
      });
      await recordEvent(trx, {
        type: "api_key.created",
        organizationId: actor.organizationId,
        data: {
          apiKey: {
            id: apiKey.id,
            label: apiKey.label,
            prefix: apiKey.prefix,
            createdBy: apiKey.created_by,
          },
        },
      });
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "api_key.created",
          { type: "api_key", id: apiKey.id },
          {
            label: apiKey.label,
            prefix: apiKey.prefix,
            expiresAt: apiKey.expires_at?.toISOString() ?? null,
          },
        ),
      );
      return apiKey;
    });
    return { apiKey: toApiKey(row), secret };
  }

  /**
   * Revokes a key: the row stays (with its lastUsedAt) and the gateway's cache is told before
   * this returns, so the next request with the key fails everywhere. Revoking twice is a no-op.
   */
  async revoke(caller: Caller, apiKeyId: string): Promise<ApiKey> {
    const actor = settingsActor(caller);
    const { apiKey, keyHash } = await this.deps.transactions.run(async (trx) => {
      const revoked = await apiKeyRepository.revoke(trx, actor.organizationId, apiKeyId);
      if (!revoked) {
        const existing = await apiKeyRepository.findById(trx, actor.organizationId, apiKeyId);
        if (!existing) throw new AppError("NOT_FOUND", "API key not found");
        return { apiKey: existing, keyHash: undefined };
      }
      await recordEvent(trx, {
        type: "api_key.revoked",
        organizationId: actor.organizationId,
        data: {
          apiKey: { id: revoked.id, label: revoked.label, prefix: revoked.prefix },
          keyHash: revoked.key_hash,
        },
      });
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "api_key.revoked",
          { type: "api_key", id: revoked.id },
          {
            label: revoked.label,
            prefix: revoked.prefix,
          },
        ),
      );
      return { apiKey: revoked, keyHash: revoked.key_hash };
    });
    if (keyHash) await this.deps.credentialCache.markRevoked([keyHash]);
    return toApiKey(apiKey);
  }
}
