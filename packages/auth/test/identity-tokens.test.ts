import { describe, expect, it } from "@jest/globals";
import { SignJWT } from "jose";
import { IdentityTokens, type Identity } from "@clment/auth";

const identity: Identity = {
  organizationId: "org_1",
  principal: { type: "user", id: "usr_1", sessionId: "ses_1" },
  role: "admin",
  region: "eu",
};

/** A token as the gateway signed them before key ids: no `kid` in its header. */
function tokenWithoutKeyId(secret: string, expiresAt: number | string): Promise<string> {
  return new SignJWT({ org: "org_1", pt: "api_key", role: null, region: "eu" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("key_1")
    .setIssuer("clment-gateway.eu")
    .setAudience("clment-services.eu")
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(Buffer.from(secret, "utf8"));
}

describe("IdentityTokens", () => {
  const oldSecret = "old-secret-".padEnd(48, "o");
  const newSecret = "new-secret-".padEnd(48, "n");

  it("verifies what it signed and refuses another region's or another secret's token", async () => {
    const tokens = new IdentityTokens(oldSecret, "eu");
    await expect(tokens.verify(await tokens.sign(identity))).resolves.toEqual(identity);
    const us = new IdentityTokens(oldSecret, "us");
    await expect(tokens.verify(await us.sign({ ...identity, region: "us" }))).rejects.toThrow();
    const stranger = new IdentityTokens(newSecret, "eu");
    await expect(tokens.verify(await stranger.sign(identity))).rejects.toThrow();
  });

  it("rotates without downtime: accept the new secret, sign with it, drop the old one", async () => {
    // Phase 1: every process still signs with the old secret and also accepts the new one.
    const phase1 = new IdentityTokens(oldSecret, "eu", [newSecret]);
    // Phase 2: processes rolled one by one sign with the new secret and accept the old one.
    const phase2 = new IdentityTokens(newSecret, "eu", [oldSecret]);
    // Mid-roll, tokens flow both ways between phase-1 and phase-2 processes.
    await expect(phase2.verify(await phase1.sign(identity))).resolves.toEqual(identity);
    await expect(phase1.verify(await phase2.sign(identity))).resolves.toEqual(identity);
    // Phase 3: the old secret is gone; its tokens are refused.
    const phase3 = new IdentityTokens(newSecret, "eu");
    await expect(phase3.verify(await phase2.sign(identity))).resolves.toEqual(identity);
    await expect(phase3.verify(await phase1.sign(identity))).rejects.toThrow();
  });

  it("never signs with an accepted secret", async () => {
    const signer = new IdentityTokens(oldSecret, "eu", [newSecret]);
    const onlyNew = new IdentityTokens(newSecret, "eu");
    await expect(onlyNew.verify(await signer.sign(identity))).rejects.toThrow();
  });

  it("verifies a token without a key id (signed before key ids existed) with any accepted key", async () => {
    const legacy = await tokenWithoutKeyId(oldSecret, "1m");
    const tokens = new IdentityTokens(newSecret, "eu", [oldSecret]);
    await expect(tokens.verify(legacy)).resolves.toMatchObject({
      organizationId: "org_1",
      principal: { type: "api_key", id: "key_1" },
    });
  });

  it("does not let a token name a key to skip verification", async () => {
    const tokens = new IdentityTokens(oldSecret, "eu");
    const [, payload, signature] = (await tokens.sign(identity)).split(".");
    const header = Buffer.from(JSON.stringify({ alg: "none", kid: "x" })).toString("base64url");
    await expect(tokens.verify(`${header}.${payload}.`)).rejects.toThrow();
    const unknownKid = Buffer.from(JSON.stringify({ alg: "HS256", kid: "nope" })).toString(
      "base64url",
    );
    await expect(tokens.verify(`${unknownKid}.${payload}.${signature}`)).rejects.toThrow();
    await expect(tokens.verify("not-a-jwt")).rejects.toThrow();
  });
});

describe("IdentityTokens.verify, for a token seen before", () => {
  const secret = "cache-secret-".padEnd(48, "c");

  it("answers from memory until the token expires, never for a token that differs", async () => {
    const tokens = new IdentityTokens(secret, "eu");
    const token = await tokens.sign(identity);
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // One character of the signature changed: verified again, and refused.
    const last = token.at(-2) === "A" ? "B" : "A";
    const tampered = token.slice(0, -2) + last + token.slice(-1);
    await expect(tokens.verify(tampered)).rejects.toThrow();
  });

  it("refuses a remembered token once it has expired", async () => {
    const tokens = new IdentityTokens(secret, "eu");
    const shortLived = await tokenWithoutKeyId(secret, Math.floor(Date.now() / 1000) + 1);
    await expect(tokens.verify(shortLived)).resolves.toMatchObject({ organizationId: "org_1" });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(tokens.verify(shortLived)).rejects.toThrow();
  });
});
