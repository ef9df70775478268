import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import { createLogger } from "@clment/http";
import {
  createTestDatabase,
  startRecordingServer,
  testSecret,
  type RecordingServer,
  type TestDatabase,
  waitFor,
} from "@clment/testing";
import type { DB } from "../src/data/db.js";
import { SecretReencryptionService } from "../src/domain/secret-reencryption.service.js";
import { SecretUnreadableError, WebhookSecretCipher } from "../src/domain/webhook.secrets.js";
import { createSettingsService } from "../src/service.js";
import { SettingsHarness, type SignedUp } from "./harness.js";
import { createWebhook, settledDelivery, testWebhookConfig, verified } from "./webhook-support.js";

const IDENTITY_1 = testSecret("secret-keys-identity-1");
const IDENTITY_2 = testSecret("secret-keys-identity-2");
const KEY_A = "encryption-key-A-".padEnd(48, "a");
const KEY_B = "encryption-key-B-".padEnd(48, "b");
const KEY_C = "encryption-key-C-".padEnd(48, "c");

const S3_SECRET = "s3-secret-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SSO_SECRET = "oidc-client-secret-5f1e2d3c4b5a69788796a5b4c3d2e1f0";

/** One deployment's key settings: the variables an operator sets. */
interface Keys {
  identity: string;
  acceptedIdentity?: string[];
  key?: string;
  accepted?: string[];
}

function cipherOf(keys: Keys): WebhookSecretCipher {
  return new WebhookSecretCipher({
    identitySecret: keys.identity,
    acceptedIdentitySecrets: keys.acceptedIdentity ?? [],
    ...(keys.key ? { encryptionKey: keys.key } : {}),
    acceptedEncryptionKeys: keys.accepted ?? [],
  });
}

/** The id of the key a deployment with these settings writes with. */
function keyIdOf(keys: Keys): string {
  return cipherOf(keys).currentKeyId;
}

describe("the stored-secret cipher", () => {
  it("names the key in each ciphertext and opens what a deployment accepting that key wrote", () => {
    const a = cipherOf({ identity: IDENTITY_1, key: KEY_A });
    const b = cipherOf({ identity: IDENTITY_1, key: KEY_B, accepted: [KEY_A] });
    const stored = a.encrypt("whsec_abc", "endpoint-1");
    expect(stored.startsWith(`v2:${a.currentKeyId}:`)).toBe(true);
    expect(a.currentKeyId).not.toBe(b.currentKeyId);
    expect(b.decrypt(stored, "endpoint-1")).toBe("whsec_abc");
    expect(b.isCurrent(stored)).toBe(false);
    const moved = b.reencrypt(stored, "endpoint-1")!;
    expect(moved.startsWith(`v2:${b.currentKeyId}:`)).toBe(true);
    expect(b.reencrypt(moved, "endpoint-1")).toBeNull();
    expect(cipherOf({ identity: IDENTITY_1, key: KEY_B }).decrypt(moved, "endpoint-1")).toBe(
      "whsec_abc",
    );
  });

  it("lets old and new processes of an identity-secret roll read each other's secrets", () => {
    const step1 = cipherOf({ identity: IDENTITY_1, acceptedIdentity: [IDENTITY_2] });
    const step2 = cipherOf({ identity: IDENTITY_2, acceptedIdentity: [IDENTITY_1] });
    expect(step2.decrypt(step1.encrypt("one", "x"), "x")).toBe("one");
    expect(step1.decrypt(step2.encrypt("two", "x"), "x")).toBe("two");
  });

  it("opens what a replaced identity secret wrote when that secret is given as an accepted encryption key", () => {
    // A leaked identity secret is replaced without an overlap: it no longer verifies tokens.
    const before = cipherOf({ identity: IDENTITY_1 });
    const stored = before.encrypt("whsec_abc", "endpoint-1");
    const after = cipherOf({ identity: IDENTITY_2, accepted: [IDENTITY_1] });
    expect(after.decrypt(stored, "endpoint-1")).toBe("whsec_abc");
    expect(after.isCurrent(stored)).toBe(false);
    expect(() => cipherOf({ identity: IDENTITY_2 }).decrypt(stored, "endpoint-1")).toThrow(
      SecretUnreadableError,
    );
  });

  it("opens a v1 ciphertext (before key ids) with whichever accepted key wrote it", () => {
    // Written exactly as the cipher did before key ids: derived from the identity secret.
    const key = Buffer.from(
      hkdfSync(
        "sha256",
        IDENTITY_1,
        "clment.settings.webhook-secrets",
        "webhook-secret-encryption-from-identity-secret",
        32,
      ),
    );
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from("endpoint-1"));
    const body = Buffer.concat([cipher.update("whsec_legacy", "utf8"), cipher.final()]);
    const legacy = ["v1", iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === "string" ? part : part.toString("base64")))
      .join(":");

    const explicit = cipherOf({ identity: IDENTITY_1, key: KEY_A });
    expect(explicit.decrypt(legacy, "endpoint-1")).toBe("whsec_legacy");
    expect(explicit.isCurrent(legacy)).toBe(false);
    expect(() => cipherOf({ identity: IDENTITY_2 }).decrypt(legacy, "endpoint-1")).toThrow(
      SecretUnreadableError,
    );
  });

  it("refuses a key it does not accept, or another row's ciphertext, without naming any key material", () => {
    const stored = cipherOf({ identity: IDENTITY_1, key: KEY_A }).encrypt("s", "row-1");
    const unknown = catchError(() =>
      cipherOf({ identity: IDENTITY_1, key: KEY_B }).decrypt(stored, "row-1"),
    );
    expect(unknown).toBeInstanceOf(SecretUnreadableError);
    expect((unknown as SecretUnreadableError).reason).toBe("unknown-key");
    expect(unknown.message).not.toContain(KEY_A);
    expect(unknown.message).not.toContain(KEY_B);
    const moved = catchError(() =>
      cipherOf({ identity: IDENTITY_1, key: KEY_A }).decrypt(stored, "row-2"),
    );
    expect((moved as SecretUnreadableError).reason).toBe("authentication-failed");
    const garbage = catchError(() => cipherOf({ identity: IDENTITY_1 }).decrypt("v9:x", "row-1"));
    expect((garbage as SecretUnreadableError).reason).toBe("unknown-format");
  });
});

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

/** Every ciphertext stored in the database: webhook, integration and SSO secrets. */
async function storedCiphertexts(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ ciphertext: string }>`
    select secret_ciphertext as ciphertext from webhook_endpoints
    union all select previous_secret_ciphertext from webhook_endpoints
      where previous_secret_ciphertext is not null
    union all select value from integrations, jsonb_each_text(secrets)
    union all select client_secret_ciphertext from sso_configs
  `.execute(db);
  return rows.map((row) => row.ciphertext);
}

describe("stored secrets across key changes (one region, successive deployments)", () => {
  let database: TestDatabase;
  let running: SettingsHarness | undefined;
  let receiver: RecordingServer;
  let logs: Record<string, any>[];

  beforeEach(async () => {
    database = await createTestDatabase("secretkeys");
    receiver = await startRecordingServer();
    logs = [];
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await receiver?.close();
    await database?.drop();
  });

  /** Stops the running deployment, if any, and starts one with these key settings. */
  async function deploy(keys: Keys): Promise<SettingsHarness> {
    await running?.close();
    running = undefined;
    const definition = createSettingsService({
      config: testWebhookConfig({
        ...(keys.key ? { encryptionKey: keys.key } : {}),
        acceptedEncryptionKeys: keys.accepted ?? [],
      }),
    });
    const logger = createLogger({
      service: "settings",
      level: "info",
      destination: { write: (line: string) => void logs.push(JSON.parse(line)) },
    });
    running = await SettingsHarness.start({
      definition,
      database,
      logger,
      env: {
        IDENTITY_SECRET: keys.identity,
        IDENTITY_ACCEPTED_SECRETS: (keys.acceptedIdentity ?? []).join(","),
      },
    });
    return running;
  }

  /** A webhook, an S3 integration and an SSO configuration, each with its secret stored. */
  async function storeSecrets(settings: SettingsHarness) {
    const owner = await settings.signup();
    const as = owner.identity;
    const webhook = await createWebhook(settings, as, {
      url: `${receiver.url}/hooks`,
      events: ["contract.created"],
    });
    const s3 = await settings.request("PUT", "/v1/settings/integrations/s3", {
      as,
      body: {
        bucket: "acme-contracts",
        region: "eu-west-1",
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: S3_SECRET,
      },
    });
    expect(s3.status).toBe(200);
    const sso = await settings.request("PUT", "/v1/settings/sso", {
      as,
      body: {
        issuer: "https://login.acme.test/realms/acme",
        clientId: "clment-console",
        clientSecret: SSO_SECRET,
        enforced: false,
        allowedDomains: ["acme.test"],
      },
    });
    expect(sso.status).toBe(200);
    return { owner, webhook };
  }

  /** Every stored secret, opened with a cipher that accepts these keys only. */
  async function openedWith(settings: SettingsHarness, keys: Keys, organizationId: string) {
    const cipher = cipherOf(keys);
    const webhook = await settings.db
      .selectFrom("webhook_endpoints")
      .select(["id", "secret_ciphertext"])
      .executeTakeFirstOrThrow();
    const s3 = await settings.db
      .selectFrom("integrations")
      .select("secrets")
      .executeTakeFirstOrThrow();
    const sso = await settings.db
      .selectFrom("sso_configs")
      .select("client_secret_ciphertext")
      .executeTakeFirstOrThrow();
    return {
      webhook: cipher.decrypt(webhook.secret_ciphertext, webhook.id),
      s3: cipher.decrypt(
        s3.secrets.secretAccessKey!,
        `integration:${organizationId}:s3:secretAccessKey`,
      ),
      sso: cipher.decrypt(sso.client_secret_ciphertext, `sso:${organizationId}:client_secret`),
    };
  }

  /** Waits until every stored secret is written with the key of these settings. */
  async function allUnder(settings: SettingsHarness, keys: Keys): Promise<void> {
    const prefix = `v2:${keyIdOf(keys)}:`;
    await waitFor(
      async () =>
        (await storedCiphertexts(settings.db)).every((stored) => stored.startsWith(prefix)),
      { message: `every stored secret under ${prefix}` },
    );
  }

  /** Asks for a webhook.test delivery and checks its signature with the secret shown at creation. */
  async function signsWith(
    settings: SettingsHarness,
    owner: SignedUp,
    webhook: { id: string; secret: string },
  ) {
    const before = receiver.requests.length;
    const sent = await settings.request("POST", `/v1/settings/webhooks/${webhook.id}/test`, {
      as: owner.identity,
    });
    expect(sent.status).toBe(202);
    const requests = await receiver.waitForRequests(before + 1);
    expect(verified(webhook.secret, requests[before]!).id).toBe(sent.body.data.delivery.eventId);
  }

  it("keeps every secret readable through an encryption key change, and works with the previous key dropped once re-encrypted", async () => {
    const a: Keys = { identity: IDENTITY_1, key: KEY_A };
    const { owner, webhook } = await storeSecrets(await deploy(a));
    const underA = await storedCiphertexts(running!.db);
    expect(underA).toHaveLength(3);
    for (const stored of underA) expect(stored.startsWith(`v2:${keyIdOf(a)}:`)).toBe(true);

    // B is current and A accepted: the secrets stay readable and move to B.
    const bAcceptingA: Keys = { identity: IDENTITY_1, key: KEY_B, accepted: [KEY_A] };
    let settings = await deploy(bAcceptingA);
    await allUnder(settings, bAcceptingA);
    await signsWith(settings, owner, webhook);

    // A dropped: nothing was left under it.
    const b: Keys = { identity: IDENTITY_1, key: KEY_B };
    settings = await deploy(b);
    await signsWith(settings, owner, webhook);
    expect(
      await openedWith(settings, { identity: IDENTITY_2, key: KEY_B }, owner.organization.id),
    ).toEqual({
      webhook: webhook.secret,
      s3: S3_SECRET,
      sso: SSO_SECRET,
    });
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
  });

  it("keeps every secret readable through the documented identity-secret rotation, with no explicit key", async () => {
    const { owner, webhook } = await storeSecrets(await deploy({ identity: IDENTITY_1 }));
    // Step 1: the new secret accepted; nothing moves yet.
    let settings = await deploy({ identity: IDENTITY_1, acceptedIdentity: [IDENTITY_2] });
    await signsWith(settings, owner, webhook);
    // Step 2: swapped; the secrets move to the key derived from the new identity secret.
    const step2: Keys = { identity: IDENTITY_2, acceptedIdentity: [IDENTITY_1] };
    settings = await deploy(step2);
    await allUnder(settings, step2);
    // Step 3: the old identity secret removed.
    settings = await deploy({ identity: IDENTITY_2 });
    await signsWith(settings, owner, webhook);
    expect(await openedWith(settings, { identity: IDENTITY_2 }, owner.organization.id)).toEqual({
      webhook: webhook.secret,
      s3: S3_SECRET,
      sso: SSO_SECRET,
    });
  });

  it("moves secrets from the key derived from the identity secret to a newly set explicit key", async () => {
    const { owner, webhook } = await storeSecrets(await deploy({ identity: IDENTITY_1 }));
    const explicit: Keys = { identity: IDENTITY_1, key: KEY_A };
    const settings = await deploy(explicit);
    await allUnder(settings, explicit);
    await signsWith(settings, owner, webhook);
    expect(
      await openedWith(settings, { identity: IDENTITY_2, key: KEY_A }, owner.organization.id),
    ).toEqual({
      webhook: webhook.secret,
      s3: S3_SECRET,
      sso: SSO_SECRET,
    });
  });

  it("re-encrypts a secret read under a previous key, unless it changed since it was read", async () => {
    const a: Keys = { identity: IDENTITY_1, key: KEY_A };
    const settings = await deploy(a);
    const { owner } = await storeSecrets(settings);
    const location = { kind: "sso" as const, organizationId: owner.organization.id };
    const b: Keys = { identity: IDENTITY_1, key: KEY_B, accepted: [KEY_A] };
    const reencryption = new SecretReencryptionService({
      db: settings.db,
      cipher: cipherOf(b),
      logger: createLogger({ service: "test", level: "silent" }),
    });
    const ssoCiphertext = async () =>
      (
        await settings.db
          .selectFrom("sso_configs")
          .select("client_secret_ciphertext")
          .executeTakeFirstOrThrow()
      ).client_secret_ciphertext;

    const stored = await ssoCiphertext();

    // Read before someone saved another secret: the newer secret stays.
    const outdated = cipherOf(a).encrypt(
      "an older secret",
      `sso:${owner.organization.id}:client_secret`,
    );
    await reencryption.refresh(location, outdated, "an older secret");
    expect(await ssoCiphertext()).toBe(stored);

    await reencryption.refresh(location, stored, SSO_SECRET);
    const moved = await ssoCiphertext();
    expect(moved.startsWith(`v2:${keyIdOf(b)}:`)).toBe(true);
    expect(
      cipherOf({ identity: IDENTITY_1, key: KEY_B }).decrypt(
        moved,
        `sso:${owner.organization.id}:client_secret`,
      ),
    ).toBe(SSO_SECRET);
  });

  it("logs a secret under a key nobody accepts any more, and answers without internals", async () => {
    const { owner, webhook } = await storeSecrets(
      await deploy({ identity: IDENTITY_1, key: KEY_A }),
    );
    const settings = await deploy({ identity: IDENTITY_1, key: KEY_C });

    // Single sign-on cannot use its client secret: a 503 that says no more than that.
    const start = await settings.request(
      "GET",
      `/v1/auth/sso/start?organizationId=${owner.organization.id}`,
    );
    expect(start.status).toBe(503);
    expect(start.body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(start.text).not.toMatch(/key|decrypt|cipher/i);

    // A delivery cannot be signed: its attempt fails with the operator's hint, nothing is sent.
    const sent = await settings.request("POST", `/v1/settings/webhooks/${webhook.id}/test`, {
      as: owner.identity,
    });
    expect(sent.status).toBe(202);
    const delivery = await settledDelivery(
      settings,
      owner.identity,
      webhook.id,
      sent.body.data.delivery.eventId,
      "failed",
    );
    expect(delivery.attempts[0].error).toBe("the webhook secret cannot be read; rotate it");
    expect(receiver.requests).toHaveLength(0);

    // Every unreadable secret is logged with why and where, never with a value.
    const unreadable = logs.filter((line) => line.msg?.startsWith("stored secret unreadable"));
    expect(unreadable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 50, reason: "unknown-key", secretKind: "sso" }),
        expect.objectContaining({ level: 50, reason: "unknown-key", secretKind: "integration" }),
        expect.objectContaining({ level: 50, reason: "unknown-key", secretKind: "webhook" }),
      ]),
    );
    const logged = JSON.stringify(logs);
    for (const secret of [S3_SECRET, SSO_SECRET, webhook.secret, KEY_A, KEY_C]) {
      expect(logged).not.toContain(secret);
    }
    // The stored secrets are left as they were, for when the old key is accepted again.
    expect(await storedCiphertexts(settings.db)).toHaveLength(3);
    const restored = await deploy({ identity: IDENTITY_1, key: KEY_C, accepted: [KEY_A] });
    await allUnder(restored, { identity: IDENTITY_1, key: KEY_C });
  });
});
