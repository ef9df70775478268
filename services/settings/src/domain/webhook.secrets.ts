import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const SALT = "clment.settings.webhook-secrets";
const VERSION = "v1";

/**
 * Encrypts webhook endpoint secrets at rest with AES-256-GCM. The key is derived with
 * HKDF-SHA256 from `WEBHOOK_ENCRYPTION_KEY`, or from the region's `IDENTITY_SECRET` under a
 * label of its own when no dedicated key is configured. The associated data names the row (and
 * field) a secret belongs to — the endpoint id for webhooks, `integration:<org>:<provider>:<field>`
 * and `sso:<org>` for integration and SSO secrets — so a ciphertext copied elsewhere does not
 * decrypt. The region's one cipher for every secret this service stores.
 */
export class WebhookSecretCipher {
  private readonly key: Buffer;

  constructor(material: { encryptionKey?: string; identitySecret: string }) {
    const [ikm, info] = material.encryptionKey
      ? [material.encryptionKey, "webhook-secret-encryption"]
      : [material.identitySecret, "webhook-secret-encryption-from-identity-secret"];
    this.key = Buffer.from(hkdfSync("sha256", ikm, SALT, info, 32));
  }

  encrypt(secret: string, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === "string" ? part : part.toString("base64")))
      .join(":");
  }

  decrypt(stored: string, associatedData: string): string {
    const [version, iv, tag, ciphertext] = stored.split(":");
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new Error("unknown webhook secret format");
    }
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, "base64")),
      decipher.final(),
    ]).toString("utf8");
  }
}
