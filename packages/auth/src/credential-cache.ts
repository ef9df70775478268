import type { Role } from "./identity.js";

/**
 * What the settings service tells the gateway about a credential, and what the gateway caches
 * in the region's Redis under `credentialCacheKey`. Settings owns the truth; the cache is shared
 * by every gateway instance of the region.
 */
export interface VerifiedCredential {
  organizationId: string;
  principal: { type: "api_key"; id: string } | { type: "user"; id: string; sessionId: string };
  role: Role | null;
  /** ISO time after which the credential no longer works, or null. */
  expiresAt: string | null;
  /** The organization's plan, which sets the credential's rate limit (absent: the base limit). */
  plan?: string;
}

/**
 * What the cache holds under a credential's key: the verified credential, a revocation marker
 * (`invalid`), or a re-verification marker (`reverify`: the credential changed, e.g. a new role
 * or plan; ask settings on every request until the marker expires, and cache nothing meanwhile).
 */
export type CachedCredential = VerifiedCredential | { invalid: true } | { reverify: true };

/** How long the gateway trusts a cached credential before asking settings again. */
export const CREDENTIAL_CACHE_SECONDS = 60;
/**
 * How long a revocation marker stays. Longer than a cached entry lives, and the gateway writes
 * entries with NX, so a lookup that raced the revocation can never overwrite the marker.
 */
export const REVOCATION_MARKER_SECONDS = CREDENTIAL_CACHE_SECONDS * 3;

/**
 * How long a re-verification marker stays. The gateway caches answers with SET NX, so while the
 * marker is there nothing is cached; it outlives any verification already under way when it was
 * written (the gateway gives settings 2 s), so an answer from before the change is never cached.
 */
export const REVERIFY_MARKER_SECONDS = 10;

export function credentialCacheKey(prefix: string, hash: string): string {
  return `${prefix}:credential:${hash}`;
}

export const INVALID_CREDENTIAL = JSON.stringify({ invalid: true } satisfies CachedCredential);
export const REVERIFY_CREDENTIAL = JSON.stringify({ reverify: true } satisfies CachedCredential);

/** Internal routes the settings service serves to the gateway only. */
export const INTERNAL_ROUTES = {
  verifyCredential: "/internal/v1/credentials/verify",
  touchApiKeys: "/internal/v1/api-keys/touch",
} as const;
