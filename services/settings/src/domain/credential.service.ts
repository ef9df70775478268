import type { CredentialKind, VerifiedCredential } from "@clment/auth";
import { AppError } from "@clment/http";
import { apiKeyRepository } from "../data/api-key.repository.js";
import { sessionRepository } from "../data/session.repository.js";
import type { SettingsDeps } from "./deps.js";

/** What the gateway asks the settings service about credentials (internal routes only). */
export class CredentialService {
  constructor(private readonly deps: SettingsDeps) {}

  /** The credential with this hash if it works now; 404 when unknown, revoked or expired. */
  async verify(kind: CredentialKind, hash: string): Promise<VerifiedCredential> {
    if (kind === "api_key") {
      const key = await apiKeyRepository.findValidByHash(this.deps.db, hash);
      if (key) {
        return {
          organizationId: key.organization_id,
          principal: { type: "api_key", id: key.id },
          role: null,
          expiresAt: key.expires_at?.toISOString() ?? null,
          plan: key.plan,
        };
      }
    } else {
      const session = await sessionRepository.findValidByHash(this.deps.db, hash);
      if (session) {
        return {
          organizationId: session.organizationId,
          principal: { type: "user", id: session.userId, sessionId: session.id },
          role: session.role,
          expiresAt: session.expiresAt.toISOString(),
          plan: session.plan,
        };
      }
    }
    throw new AppError("NOT_FOUND", "Unknown credential");
  }

  /** Records when keys were last used, as the gateway batches it. */
  async touchApiKeys(usages: { id: string; lastUsedAt: Date }[]): Promise<void> {
    await apiKeyRepository.touch(this.deps.db, usages);
  }
}
