import { credentialCacheKey, INVALID_CREDENTIAL, REVOCATION_MARKER_SECONDS } from "@clment/auth";
import type { Logger } from "@clment/http";
import { EventConsumer, queueSettings, type Redis } from "@clment/queue";

/**
 * Settings marks a revoked key or session invalid in the cache itself before it answers; these
 * events are the second line, for a revocation whose marker could not be written (Redis was
 * away at that moment). The gateway instances of a region share one queue: one of them handles
 * each event, and the marker it writes is seen by all.
 */
export function revocationConsumer(options: {
  redis: Redis;
  workerConnection: Redis;
  redisPrefix: string;
  region: string;
  logger: Logger;
}): EventConsumer {
  const { redis, redisPrefix } = options;
  const markInvalid = async (hash: string) => {
    await redis.set(
      credentialCacheKey(redisPrefix, hash),
      INVALID_CREDENTIAL,
      "EX",
      REVOCATION_MARKER_SECONDS,
    );
  };
  return new EventConsumer({
    name: "gateway",
    handlers: {
      "api_key.revoked": (event) => markInvalid(event.data.keyHash),
      "session.revoked": (event) => markInvalid(event.data.tokenHash),
    },
    workerConnection: options.workerConnection,
    settings: queueSettings(redisPrefix),
    logger: options.logger,
    region: options.region,
  });
}
