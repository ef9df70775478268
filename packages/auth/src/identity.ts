import { createHash, createSecretKey, type KeyObject } from "node:crypto";
import type { RequestHandler } from "express";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { AppError } from "@clment/http";

export const IDENTITY_HEADER = "x-clment-identity";
export const ROLES = ["owner", "admin", "member"] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  | { type: "api_key"; id: string }
  | { type: "user"; id: string; sessionId: string }
  | { type: "service"; id: string };

/** Who is calling, as the gateway established it. Passed explicitly to every use case. */
export interface Identity {
  organizationId: string;
  principal: Principal;
  /** The user's role; null for API keys and services. */
  role: Role | null;
  region: string;
}

const TOKEN_TTL_SECONDS = 60;

interface Claims {
  org: string;
  pt: Principal["type"];
  sid?: string;
  role: Role | null;
  region: string;
}

interface VerificationKey {
  id: string;
  key: KeyObject;
}

function verificationKey(secret: string): VerificationKey {
  // The id names the secret without revealing it (the secrets are long and random).
  const id = createHash("sha256").update(secret).digest("hex").slice(0, 16);
  return { id, key: createSecretKey(Buffer.from(secret, "utf8")) };
}

/**
 * Signs and verifies the short-lived identity token the gateway attaches to proxied requests.
 * The region's secret is imported once; signed tokens are cached per principal for most of
 * their lifetime, so the hot path rarely signs.
 *
 * Tokens are signed with `secret` only and carry its id (`kid`); `acceptedSecrets` are verified
 * too, which makes rotating the secret a zero-downtime roll (docs/operations.md).
 */
export class IdentityTokens {
  private readonly signing: VerificationKey;
  private readonly keys: readonly VerificationKey[];
  private readonly issuer: string;
  private readonly audience: string;
  private readonly cache = new Map<string, { token: string; renewAt: number }>();
  /**
   * Tokens verified before, by their exact text (signature included), until they expire. The
   * gateway reuses a signed token per principal for most of its lifetime, so a service sees the
   * same few tokens over and over: verifying each once instead of on every request takes the
   * HMAC and JSON work off the hot path (measured: a quarter of the credits service's CPU).
   */
  private readonly verified = new Map<string, { identity: Identity; expiresAt: number }>();

  constructor(
    secret: string,
    readonly region: string,
    acceptedSecrets: readonly string[] = [],
  ) {
    this.signing = verificationKey(secret);
    this.keys = [this.signing, ...acceptedSecrets.filter((s) => s !== secret).map(verificationKey)];
    this.issuer = `clment-gateway.${region}`;
    this.audience = `clment-services.${region}`;
  }

  async sign(identity: Identity): Promise<string> {
    const cacheKey = `${identity.organizationId}|${identity.principal.type}|${identity.principal.id}|${identity.role ?? ""}|${identity.principal.type === "user" ? identity.principal.sessionId : ""}`;
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.renewAt > now) return cached.token;
    const claims: Claims = {
      org: identity.organizationId,
      pt: identity.principal.type,
      role: identity.role,
      region: identity.region,
      ...(identity.principal.type === "user" ? { sid: identity.principal.sessionId } : {}),
    };
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", kid: this.signing.id })
      .setSubject(identity.principal.id)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(now / 1000) + TOKEN_TTL_SECONDS)
      .sign(this.signing.key);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { token, renewAt: now + (TOKEN_TTL_SECONDS - 20) * 1000 });
    return token;
  }

  /** Verifies with the key the token names; a token without a known `kid` tries each key. */
  private async payloadOf(token: string): Promise<Claims & JWTPayload> {
    const options = { issuer: this.issuer, audience: this.audience, algorithms: ["HS256"] };
    let kid: unknown;
    try {
      const header = JSON.parse(Buffer.from(token.split(".", 1)[0] ?? "", "base64url").toString());
      kid = (header as { kid?: unknown } | null)?.kid;
    } catch {
      // Not a JWT: jwtVerify below says so.
    }
    const named = this.keys.find((k) => k.id === kid);
    const candidates = named ? [named] : this.keys;
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        const { payload } = await jwtVerify<Claims>(token, candidate.key, options);
        return payload;
      } catch (error) {
        if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  async verify(token: string): Promise<Identity> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > now) return known.identity;
      this.verified.delete(token);
    }
    const payload = await this.payloadOf(token);
    if (payload.region !== this.region || !payload.sub || !payload.org) {
      throw new Error("identity token for another region");
    }
    const principal: Principal =
      payload.pt === "user"
        ? { type: "user", id: payload.sub, sessionId: payload.sid ?? "" }
        : payload.pt === "service"
          ? { type: "service", id: payload.sub }
          : { type: "api_key", id: payload.sub };
    const identity: Identity = Object.freeze({
      organizationId: payload.org,
      principal: Object.freeze(principal),
      role: payload.role ?? null,
      region: payload.region,
    });
    if (payload.exp !== undefined) {
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, { identity, expiresAt: payload.exp * 1000 });
    }
    return identity;
  }
}

declare module "express-serve-static-core" {
  interface Locals {
    identity?: Identity;
    requestId?: string;
  }
}

/** Services accept only requests the gateway vouched for; anything else is 401. */
export function requireIdentity(tokens: IdentityTokens): RequestHandler {
  return (req, res, next) => {
    const header = req.headers[IDENTITY_HEADER];
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) {
      next(new AppError("UNAUTHORIZED"));
      return;
    }
    tokens.verify(token).then(
      (identity) => {
        res.locals.identity = identity;
        next();
      },
      () => next(new AppError("UNAUTHORIZED")),
    );
  };
}

/** The identity set by `requireIdentity`; throws when a route forgot to require it. */
export function identityOf(locals: { identity?: Identity }): Identity {
  if (!locals.identity) throw new AppError("UNAUTHORIZED");
  return locals.identity;
}

/** Internal routes answer only other processes of the region (the gateway, other services). */
export function requireService(tokens: IdentityTokens): RequestHandler {
  const identify = requireIdentity(tokens);
  return (req, res, next) => {
    identify(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (res.locals.identity?.principal.type !== "service")
        return next(new AppError("UNAUTHORIZED"));
      next();
    });
  };
}

/** The identity a process of the region uses to call another's internal routes. */
export function serviceIdentity(name: string, region: string, organizationId = "-"): Identity {
  return { organizationId, principal: { type: "service", id: name }, role: null, region };
}

/** Settings are for signed-in owners and admins only. */
export function assertSettingsAccess(identity: Identity): void {
  if (identity.principal.type === "api_key") throw new AppError("API_KEY_FORBIDDEN");
  if (
    identity.principal.type === "user" &&
    identity.role !== "owner" &&
    identity.role !== "admin"
  ) {
    throw new AppError("FORBIDDEN");
  }
}
