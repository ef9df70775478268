import { hash, verify } from "@node-rs/argon2";

/**
 * Passwords are hashed with argon2id at the library's defaults (19 MiB, 2 passes, 1 lane: the
 * OWASP baseline), off the event loop.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/**
 * The hash of a random password nobody knows, with the same parameters as real hashes. Checking
 * a password against it when the email is unknown makes a failed login take as long either way.
 */
const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$k6IvLTauMo77SjEeAuMsBQ$i1KEmh5RkDOsqe+FPiWMOPO5x9W2RGGhLugpcRoeD9g";

/** Whether `password` matches `stored`; with no stored hash, false after the same work. */
export async function verifyPassword(stored: string | null | undefined, password: string) {
  const matches = await verify(stored ?? DUMMY_HASH, password).catch(() => false);
  return Boolean(stored) && matches;
}
