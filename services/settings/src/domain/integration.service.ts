import { AppError, type ErrorDetail } from "@clment/http";
import { auditLogRepository } from "../data/audit-log.repository.js";
import type { IntegrationProvider } from "../data/db.js";
import { integrationRepository, type IntegrationRow } from "../data/integration.repository.js";
import { auditBy, settingsActor, type Caller } from "./caller.js";
import type { SettingsDeps } from "./deps.js";
import {
  INTEGRATION_PROVIDERS,
  SECRET_FIELDS,
  type Integration,
  type IntegrationConfigInput,
} from "./integration.model.js";
import {
  secretAssociatedData,
  type SecretReencryptionService,
} from "./secret-reencryption.service.js";
import { SecretUnreadableError, type WebhookSecretCipher } from "./webhook.secrets.js";

export interface IntegrationDeps extends SettingsDeps {
  /** The region's AES-256-GCM cipher for stored secrets (shared with webhook secrets). */
  cipher: WebhookSecretCipher;
  /** Moves secrets read or kept under a previous key to the current one. */
  reencryption: SecretReencryptionService;
}

/** Where an integration secret is stored (its associated data names the same). */
function locationOf(organizationId: string, provider: IntegrationProvider, field: string) {
  return { kind: "integration" as const, organizationId, provider, field };
}

function toIntegration(provider: IntegrationProvider, row?: IntegrationRow): Integration {
  if (!row) return { provider, configured: false, config: null, updatedAt: null };
  const secrets = Object.fromEntries(
    SECRET_FIELDS[provider].map((field) => [field, { set: row.secrets[field] !== undefined }]),
  );
  return {
    provider,
    configured: true,
    config: { ...row.config, ...secrets },
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Cloud storage integrations: per-provider configuration with write-only, encrypted secrets. */
export class IntegrationService {
  constructor(private readonly deps: IntegrationDeps) {}

  /** Every provider, configured or not. */
  async list(caller: Caller): Promise<Integration[]> {
    const actor = settingsActor(caller);
    const rows = await integrationRepository.list(this.deps.db, actor.organizationId);
    return INTEGRATION_PROVIDERS.map((provider) =>
      toIntegration(
        provider,
        rows.find((row) => row.provider === provider),
      ),
    );
  }

  /**
   * Saves a provider's configuration. A secret field left out keeps the stored one; the first
   * save must include every secret field.
   */
  async put(
    caller: Caller,
    provider: IntegrationProvider,
    input: IntegrationConfigInput,
  ): Promise<Integration> {
    const actor = settingsActor(caller);
    const secretFields: readonly string[] = SECRET_FIELDS[provider];
    const given = input as Record<string, unknown>;
    const config = Object.fromEntries(
      Object.entries(given).filter(
        ([field, value]) => !secretFields.includes(field) && value !== undefined,
      ),
    );
    const row = await this.deps.transactions.run(async (trx) => {
      const before = await integrationRepository.lock(trx, actor.organizationId, provider);
      const secrets: Record<string, string> = {};
      const missing: ErrorDetail[] = [];
      const changedSecrets: string[] = [];
      for (const field of secretFields) {
        const value = given[field];
        if (typeof value === "string") {
          secrets[field] = this.deps.cipher.encrypt(
            value,
            secretAssociatedData(locationOf(actor.organizationId, provider, field)),
          );
          changedSecrets.push(field);
        } else if (before?.secrets[field] !== undefined) {
          secrets[field] = this.deps.reencryption.kept(
            locationOf(actor.organizationId, provider, field),
            before.secrets[field],
          );
        } else {
          missing.push({ path: `body.${field}`, message: "is required" });
        }
      }
      if (missing.length > 0) throw new AppError("VALIDATION_ERROR", "Invalid body", missing);
      const after = await integrationRepository.upsert(trx, {
        organizationId: actor.organizationId,
        provider,
        config,
        secrets,
        updatedBy: actor.userId,
      });
      const changedFields = Object.keys(config).filter(
        (field) => JSON.stringify(before?.config[field]) !== JSON.stringify(config[field]),
      );
      const removedFields = Object.keys(before?.config ?? {}).filter((field) => !(field in config));
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "integration.updated",
          { type: "integration", id: provider },
          {
            provider,
            created: !before,
            changedFields: [...changedFields, ...removedFields],
            changedSecrets,
          },
        ),
      );
      return after;
    });
    return toIntegration(provider, row);
  }

  /** Removes a provider's configuration and secrets; 404 when it has none. */
  async delete(caller: Caller, provider: IntegrationProvider): Promise<void> {
    const actor = settingsActor(caller);
    await this.deps.transactions.run(async (trx) => {
      const deleted = await integrationRepository.delete(trx, actor.organizationId, provider);
      if (!deleted) throw new AppError("NOT_FOUND", "This integration is not configured");
      await auditLogRepository.insert(
        trx,
        auditBy(actor, "integration.deleted", { type: "integration", id: provider }, { provider }),
      );
    });
  }

  /**
   * A provider's secrets in clear, for the code that talks to it (never for an answer). A secret
   * no accepted key opens is logged and answers 503, never its reason.
   */
  async secretsOf(
    organizationId: string,
    provider: IntegrationProvider,
  ): Promise<Record<string, string> | null> {
    const rows = await integrationRepository.list(this.deps.db, organizationId);
    const row = rows.find((candidate) => candidate.provider === provider);
    if (!row) return null;
    const secrets: Record<string, string> = {};
    for (const [field, stored] of Object.entries(row.secrets)) {
      const location = locationOf(organizationId, provider, field);
      try {
        secrets[field] = this.deps.cipher.decrypt(stored, secretAssociatedData(location));
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
        this.deps.reencryption.logUnreadable(location, error);
        throw new AppError(
          "SERVICE_UNAVAILABLE",
          "This integration's stored secrets cannot be used",
        );
      }
      await this.deps.reencryption.refresh(location, stored, secrets[field]);
    }
    return secrets;
  }
}
