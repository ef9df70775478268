import {
  credentialCacheKey,
  INVALID_CREDENTIAL,
  REVERIFY_CREDENTIAL,
  REVERIFY_MARKER_SECONDS,
  REVOCATION_MARKER_SECONDS,
} from "@clment/auth";
import type { Logger } from "@clment/http";
import type { Redis } from "@clment/queue";

/**
 * The gateway's cache of verified credentials in the region's Redis. Settings writes to it only
 * after a change committed, and before answering, so the next request on any gateway instance
 * sees the change. A Redis outage does not fail the request (the change is made); it is logged,
 * and the gateway also consumes `api_key.revoked` and `session.revoked` events.
 */
export class CredentialCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** Marks credentials as revoked, overwriting any cached entry (the gateway writes with NX). */
  async markRevoked(hashes: readonly string[]): Promise<void> {
    await this.write("mark revoked", hashes, (pipeline, key) =>
      pipeline.set(key, INVALID_CREDENTIAL, "EX", REVOCATION_MARKER_SECONDS),
    );
  }

  /**
   * Makes the gateway verify these credentials again (e.g. to pick up a new role). Not a plain
   * delete: a verification the gateway started before the change could then cache its older
   * answer after it. A re-verification marker blocks that (the gateway caches with NX) until
   * any such verification is over.
   */
  async forget(hashes: readonly string[]): Promise<void> {
    await this.write("forget", hashes, (pipeline, key) =>
      pipeline.set(key, REVERIFY_CREDENTIAL, "EX", REVERIFY_MARKER_SECONDS),
    );
  }

  private async write(
    what: string,
    hashes: readonly string[],
    command: (pipeline: ReturnType<Redis["pipeline"]>, key: string) => void,
  ): Promise<void> {
    if (hashes.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const hash of hashes) command(pipeline, credentialCacheKey(this.prefix, hash));
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.logger.error(
        { err: error, credentials: hashes.length },
        `could not ${what} credentials in the cache; the gateway relies on the events until it expires`,
      );
    }
  }
}
