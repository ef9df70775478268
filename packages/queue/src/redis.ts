import { Redis, type RedisOptions } from "ioredis";

export type { Redis };

/**
 * `worker` connections block (BullMQ workers, subscribers) and must retry forever;
 * `client` connections answer requests and fail fast so a Redis outage becomes a quick 503
 * or a fallback, never a hung request.
 */
export function createRedis(
  url: string,
  role: "worker" | "client",
  onError?: (error: Error) => void,
): Redis {
  const options: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 1_000 };
  const redis = new Redis(url, {
    ...options,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  redis.on("error", (error) => onError?.(error));
  return redis;
}

/** Closes a connection without waiting on a server that may be gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([redis.quit(), new Promise((r) => (timer = setTimeout(r, 500)))]);
  } catch {
    // already closed
  } finally {
    // A pending timer would keep the process (or a test worker) alive after everything closed.
    clearTimeout(timer);
  }
  redis.disconnect();
}
