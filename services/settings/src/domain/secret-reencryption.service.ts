import type { Logger } from "@clment/http";
import type { Db } from "../data/db.js";
import { storedSecretRepository, type SecretLocation } from "../data/stored-secret.repository.js";
import { SecretUnreadableError, type WebhookSecretCipher } from "./webhook.secrets.js";

/**
 * What binds a stored secret to its place, so a ciphertext copied elsewhere does not decrypt:
 * the endpoint id for webhooks, `integration:<org>:<provider>:<field>`, `sso:<org>:client_secret`.
 */
export function secretAssociatedData(location: SecretLocation): string {
  switch (location.kind) {
    case "webhook":
      return location.webhookId;
    case "integration":
      return `integration:${location.organizationId}:${location.provider}:${location.field}`;
    case "sso":
      return `sso:${location.organizationId}:client_secret`;
  }
}

/** Where a secret is, for logs: ids only, never a value. */
function describe(location: SecretLocation): Record<string, string> {
  const { kind, ...ids } = location;
  return { secretKind: kind, ...ids };
}

export interface ReencryptionPass {
  /** Secrets now under the current key. */
  reencrypted: number;
  /** Secrets no accepted key opens (each logged at `error`). */
  unreadable: number;
}

/**
 * Moves stored secrets to the current key, so that a previous key (an old `IDENTITY_SECRET` or
 * `WEBHOOK_ENCRYPTION_KEY`) can be dropped: lazily when a secret under a previous key is read,
 * and in passes over every stored secret (at start and every `reencryptIntervalMs`).
 */
export class SecretReencryptionService {
  constructor(private readonly deps: { db: Db; cipher: WebhookSecretCipher; logger: Logger }) {}

  /**
   * After `stored` was read and opened as `secret`: writes it under the current key if it was
   * not. Best effort: a failure is logged, and the next pass tries again.
   */
  async refresh(location: SecretLocation, stored: string, secret: string): Promise<void> {
    const { cipher, db, logger } = this.deps;
    if (cipher.isCurrent(stored)) return;
    try {
      const next = cipher.encrypt(secret, secretAssociatedData(location));
      await storedSecretRepository.replace(db, location, stored, next);
    } catch (error) {
      logger.warn({ err: error, ...describe(location) }, "could not re-encrypt a stored secret");
    }
  }

  /**
   * A stored secret a save keeps, under the current key (inside the save's transaction, which
   * holds the row). An unreadable one is kept as it is, and logged.
   */
  kept(location: SecretLocation, stored: string): string {
    try {
      return this.deps.cipher.reencrypt(stored, secretAssociatedData(location)) ?? stored;
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      this.logUnreadable(location, error);
      return stored;
    }
  }

  /** Logs a secret no accepted key opens: why, and where, never the ciphertext. */
  logUnreadable(location: SecretLocation, error: SecretUnreadableError): void {
    this.deps.logger.error(
      { reason: error.reason, keyId: error.keyId, ...describe(location) },
      `stored secret unreadable: ${error.message}`,
    );
  }

  /** Re-encrypts every stored secret that is not under the current key. */
  async reencryptAll(): Promise<ReencryptionPass> {
    const { cipher, db, logger } = this.deps;
    const stale = await storedSecretRepository.notStartingWith(db, `v2:${cipher.currentKeyId}:`);
    const pass: ReencryptionPass = { reencrypted: 0, unreadable: 0 };
    for (const { location, ciphertext } of stale) {
      let next: string | null;
      try {
        next = cipher.reencrypt(ciphertext, secretAssociatedData(location));
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
        this.logUnreadable(location, error);
        pass.unreadable += 1;
        continue;
      }
      if (next && (await storedSecretRepository.replace(db, location, ciphertext, next))) {
        pass.reencrypted += 1;
      }
    }
    if (pass.reencrypted > 0 || pass.unreadable > 0) {
      logger.info({ ...pass, keyId: cipher.currentKeyId }, "stored secrets re-encrypted");
    }
    return pass;
  }
}
