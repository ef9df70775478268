import autocannon from "autocannon";

export interface LoadResult {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * Drives `url` with autocannon: a short warm-up, then the measured run. With `rate`, the load is
 * held at that many requests per second (to compare latency at the same load); without, it is
 * as much as the server takes.
 */
export async function load(
  label: string,
  url: string,
  options: {
    headers?: Record<string, string>;
    connections?: number;
    seconds?: number;
    rate?: number;
  } = {},
): Promise<LoadResult> {
  const base = {
    url,
    headers: options.headers ?? {},
    connections: options.connections ?? 16,
    ...(options.rate ? { overallRate: options.rate } : {}),
  };
  await autocannon({ ...base, duration: 1 });
  const result = await autocannon({ ...base, duration: options.seconds ?? 5 });
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
