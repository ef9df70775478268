import { Agent, request as httpRequest } from "node:http";
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

/** One keep-alive connection, one request at a time: latency without queueing, in µs precision. */
async function timedRequests(
  url: string,
  headers: Record<string, string>,
  count: number,
  agent: Agent,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { headers, agent }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${url} → ${res.statusCode}`)),
        );
      });
      req.on("error", reject);
      req.end();
    });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Latency of `a` and `b` at low load, measured in alternating blocks so that drift on a shared
 * machine falls on both alike. Returns p50 and p99 in milliseconds for each.
 */
export async function compareLatency(
  a: { url: string; headers: Record<string, string> },
  b: { url: string; headers: Record<string, string> },
  { blocks = 20, perBlock = 100 } = {},
): Promise<{ a: { p50: number; p99: number }; b: { p50: number; p99: number } }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  await timedRequests(a.url, a.headers, 50, agent);
  await timedRequests(b.url, b.headers, 50, agent);
  for (let i = 0; i < blocks; i++) {
    samplesA.push(...(await timedRequests(a.url, a.headers, perBlock, agent)));
    samplesB.push(...(await timedRequests(b.url, b.headers, perBlock, agent)));
  }
  agent.destroy();
  const sa = samplesA.sort((x, y) => x - y);
  const sb = samplesB.sort((x, y) => x - y);
  return {
    a: { p50: percentile(sa, 50), p99: percentile(sa, 99) },
    b: { p50: percentile(sb, 50), p99: percentile(sb, 99) },
  };
}
