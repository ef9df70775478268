import { AppError } from "@clment/http";
import { auditLogRepository } from "../data/audit-log.repository.js";
import { ssoRepository, type SsoConfigRow } from "../data/sso.repository.js";
import { auditBy, settingsActor, type Caller, type SettingsActor } from "./caller.js";
import type { IntegrationDeps } from "./integration.service.js";
import type { SecretState } from "./integration.model.js";
import { secretAssociatedData } from "./secret-reencryption.service.js";
import { SecretUnreadableError } from "./webhook.secrets.js";

export interface SsoConfig {
  issuer: string;
  clientId: string;
  /** Write-only: whether it is set, never its value. */
  clientSecret: SecretState;
  enforced: boolean;
  allowedDomains: string[];
  createdAt: string;
  updatedAt: string;
}

export interface SsoConfigInput {
  issuer: string;
  clientId: string;
  /**
   * Absent: the stored one is kept. Required the first time and whenever the issuer or client id
   * changes (a secret registered with one provider is never sent to another).
   */
  clientSecret?: string;
  enforced: boolean;
  allowedDomains: string[];
}

/**
 * The configuration decides whose word signs people in as which member, owners included: only an
 * owner may change it (an admin who could point it at their own provider could sign in as an
 * owner). Admins may still read it.
 */
const OWNERS_ONLY = "Only an owner can change single sign-on";

function assertOwner(actor: SettingsActor): void {
  if (actor.role !== "owner") throw new AppError("FORBIDDEN", OWNERS_ONLY);
}

/** Where an organization's client secret is stored (its associated data names the same). */
function locationOf(organizationId: string) {
  return { kind: "sso" as const, organizationId };
}

function toSsoConfig(row: SsoConfigRow): SsoConfig {
  return {
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: { set: true },
    enforced: row.enforced,
    allowedDomains: row.allowed_domains,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The organization's single sign-on (OIDC) configuration. */
export class SsoService {
  constructor(private readonly deps: IntegrationDeps) {}

  /** The configuration, or null when the organization has none. */
  async get(caller: Caller): Promise<SsoConfig | null> {
    const actor = settingsActor(caller);
    const row = await ssoRepository.find(this.deps.db, actor.organizationId);
    return row ? toSsoConfig(row) : null;
  }

  /**
   * Creates or replaces the configuration (owners only). The stored client secret is kept only
   * while issuer and client id stay the same: otherwise the body must bring the secret again.
   */
  async put(caller: Caller, input: SsoConfigInput): Promise<SsoConfig> {
    const actor = settingsActor(caller);
    assertOwner(actor);
    const row = await this.deps.transactions.run(async (trx) => {
      const before = await ssoRepository.lock(trx, actor.organizationId);
      const issuerChanged = before !== undefined && before.issuer !== input.issuer;
      const clientIdChanged = before !== undefined && before.client_id !== input.clientId;
      let ciphertext: string;
      if (input.clientSecret !== undefined) {
        ciphertext = this.deps.cipher.encrypt(
          input.clientSecret,
          secretAssociatedData(locationOf(actor.organizationId)),
        );
      } else if (before && !issuerChanged && !clientIdChanged) {
        ciphertext = this.deps.reencryption.kept(
          locationOf(actor.organizationId),
          before.client_secret_ciphertext,
        );
      } else {
        throw new AppError("VALIDATION_ERROR", "Invalid body", [
          {
            path: "body.clientSecret",
            message: before ? "is required when the issuer or client id changes" : "is required",
          },
        ]);
      }
      const after = await ssoRepository.upsert(trx, actor.organizationId, {
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecretCiphertext: ciphertext,
        enforced: input.enforced,
        allowedDomains: input.allowedDomains,
        updatedBy: actor.userId,
      });
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "sso.updated",
          { type: "organization", id: actor.organizationId },
          {
            created: !before,
            issuer: after.issuer,
            clientId: after.client_id,
            enforced: after.enforced,
            allowedDomains: after.allowed_domains,
            clientSecretChanged: input.clientSecret !== undefined,
            ...(issuerChanged && { previousIssuer: before?.issuer }),
            ...(clientIdChanged && { previousClientId: before?.client_id }),
          },
        ),
      );
      return after;
    });
    return toSsoConfig(row);
  }

  /** Removes the configuration (and so its enforcement; owners only); 404 when there is none. */
  async delete(caller: Caller): Promise<void> {
    const actor = settingsActor(caller);
    assertOwner(actor);
    await this.deps.transactions.run(async (trx) => {
      const deleted = await ssoRepository.delete(trx, actor.organizationId);
      if (!deleted) throw new AppError("NOT_FOUND", "Single sign-on is not configured");
      await auditLogRepository.insert(
        trx,
        auditBy(actor, "sso.deleted", { type: "organization", id: actor.organizationId }),
      );
    });
  }

  /**
   * The client secret in clear, for the sign-in flow (never for an answer).
   * SecretUnreadableError (logged here) when no accepted key opens it.
   */
  async clientSecretOf(organizationId: string): Promise<string | null> {
    const row = await ssoRepository.find(this.deps.db, organizationId);
    if (!row) return null;
    const location = locationOf(organizationId);
    const stored = row.client_secret_ciphertext;
    let secret: string;
    try {
      secret = this.deps.cipher.decrypt(stored, secretAssociatedData(location));
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        this.deps.reencryption.logUnreadable(location, error);
      }
      throw error;
    }
    await this.deps.reencryption.refresh(location, stored, secret);
    return secret;
  }
}
