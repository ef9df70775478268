import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

const SALT = "clment.settings.webhook-secrets";
/** Before key ids: `v1:<iv>:<tag>:<ciphertext>`, tried with every accepted key in turn. */
const LEGACY_VERSION = "v1";
/** `v2:<key id>:<iv>:<tag>:<ciphertext>`: the key id names the key that encrypted it. */
const VERSION = "v2";
const EXPLICIT_LABEL = "webhook-secret-encryption";
const IDENTITY_LABEL = "webhook-secret-encryption-from-identity-secret";

/** Where the keys come from: the same variables the service reads (see config.ts). */
export interface SecretKeyMaterial {
  /** `WEBHOOK_ENCRYPTION_KEY`: when set, the current key is derived from it. */
  encryptionKey?: string;
  /**
   * `WEBHOOK_ENCRYPTION_ACCEPTED_KEYS`: previous encryption keys or identity secrets, decrypt only.
   */
  acceptedEncryptionKeys?: readonly string[];
  /** `IDENTITY_SECRET`: the current key is derived from it when no encryption key is set. */
  identitySecret: string;
  /** `IDENTITY_ACCEPTED_SECRETS`: their derived keys are accepted, decrypt only. */
  acceptedIdentitySecrets?: readonly string[];
}

interface SecretKey {
  id: string;
  key: Buffer;
}

/** A stored secret that no accepted key opens: never shown to a caller, logged by whoever reads. */
export class SecretUnreadableError extends Error {
  constructor(
    readonly reason: "unknown-format" | "unknown-key" | "authentication-failed",
    readonly keyId: string | null,
  ) {
    super(
      reason === "unknown-format"
        ? "stored secret has an unknown format"
        : reason === "unknown-key"
          ? `stored secret was encrypted with key ${keyId ?? "(none)"}, which is not accepted; add the previous key to WEBHOOK_ENCRYPTION_ACCEPTED_KEYS or IDENTITY_ACCEPTED_SECRETS`
          : `stored secret does not decrypt with ${keyId ? `key ${keyId}` : "any accepted key"}`,
    );
    this.name = "SecretUnreadableError";
  }
}

function deriveKey(material: string, label: string): SecretKey {
  const key = Buffer.from(hkdfSync("sha256", material, SALT, label, 32));
  // A public name for the key: a MAC of a constant under it, so it reveals nothing about it.
  const id = createHmac("sha256", key).update("key-id").digest("base64url").slice(0, 12);
  return { id, key };
}

/**
 * Encrypts the secrets this service stores (webhook, integration and SSO secrets) at rest with
 * AES-256-GCM. Keys are derived with HKDF-SHA256: the current one from `WEBHOOK_ENCRYPTION_KEY`,
 * or from the region's `IDENTITY_SECRET` under a label of its own when no dedicated key is
 * configured. Decryption also accepts the keys derived from `WEBHOOK_ENCRYPTION_ACCEPTED_KEYS`
 * (under both labels: previous encryption keys or identity secrets), `IDENTITY_SECRET` and
 * `IDENTITY_ACCEPTED_SECRETS`, so rotating either secret, or moving from
 * the derived key to a dedicated one, leaves every stored secret readable; `isCurrent` tells
 * which ciphertexts to re-encrypt so that a previous key can be dropped.
 *
 * Each ciphertext names its key (`v2:<key id>:…`); the associated data names the row (and field)
 * a secret belongs to — the endpoint id for webhooks, `integration:<org>:<provider>:<field>` and
 * `sso:<org>:client_secret` for integration and SSO secrets — so a ciphertext copied elsewhere
 * does not decrypt.
 */
export class WebhookSecretCipher {
  private readonly current: SecretKey;
  /** The current key first, then every accepted one, each once. */
  private readonly keys: SecretKey[];

  constructor(material: SecretKeyMaterial) {
    const identityKeys = [material.identitySecret, ...(material.acceptedIdentitySecrets ?? [])].map(
      (secret) => deriveKey(secret, IDENTITY_LABEL),
    );
    const explicitKeys = material.encryptionKey
      ? [deriveKey(material.encryptionKey, EXPLICIT_LABEL)]
      : [];
    // A previous encryption key, or a previous identity secret that may no longer verify tokens
    // (a leaked one): either way its keys open what was written under it.
    const acceptedKeys = (material.acceptedEncryptionKeys ?? []).flatMap((key) => [
      deriveKey(key, EXPLICIT_LABEL),
      deriveKey(key, IDENTITY_LABEL),
    ]);
    const ordered = material.encryptionKey
      ? [...explicitKeys, ...acceptedKeys, ...identityKeys]
      : [...identityKeys, ...acceptedKeys];
    this.current = ordered[0]!;
    this.keys = ordered.filter(
      (key, index) => ordered.findIndex((other) => other.id === key.id) === index,
    );
  }

  /** The id of the key new ciphertexts are written with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(secret: string, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return [VERSION, this.current.id, ...[iv, cipher.getAuthTag(), ciphertext].map(base64)].join(
      ":",
    );
  }

  /** Whether a stored ciphertext is written with the current key (false: re-encrypt it). */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${VERSION}:${this.current.id}:`);
  }

  /** The secret in clear; SecretUnreadableError when no accepted key opens it. */
  decrypt(stored: string, associatedData: string): string {
    const parts = stored.split(":");
    if (parts[0] === VERSION && parts.length === 5) {
      const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
      const key = this.keys.find((candidate) => candidate.id === keyId);
      if (!key) throw new SecretUnreadableError("unknown-key", keyId);
      const secret = open(key.key, iv, tag, ciphertext, associatedData);
      if (secret === null) throw new SecretUnreadableError("authentication-failed", keyId);
      return secret;
    }
    if (parts[0] === LEGACY_VERSION && parts.length === 4) {
      const [, iv, tag, ciphertext] = parts as [string, string, string, string];
      for (const key of this.keys) {
        const secret = open(key.key, iv, tag, ciphertext, associatedData);
        if (secret !== null) return secret;
      }
      throw new SecretUnreadableError("authentication-failed", null);
    }
    throw new SecretUnreadableError("unknown-format", null);
  }

  /**
   * The ciphertext under the current key, or null when it already is (nothing to write).
   * SecretUnreadableError when no accepted key opens it.
   */
  reencrypt(stored: string, associatedData: string): string | null {
    if (this.isCurrent(stored)) return null;
    return this.encrypt(this.decrypt(stored, associatedData), associatedData);
  }
}

function base64(part: Buffer): string {
  return part.toString("base64");
}

/** The plaintext, or null when the key (or associated data) does not authenticate it. */
function open(
  key: Buffer,
  iv: string,
  tag: string,
  ciphertext: string,
  associatedData: string,
): string | null {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, "base64")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    return null;
  }
}
