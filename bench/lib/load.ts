import { readdirSync, readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import autocannon from "autocannon";

export interface LoadResult {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time the measured server process spent per request (user + system), when known. */
  cpuMicrosPerRequest?: number;
  /** CPU time per request of every watched process along the path (see `Watched`). */
  cpuByProcess?: Record<string, number>;
}

/**
 * Processes whose CPU time per request a measurement reports, by name: one pid, or every
 * process running a command (e.g. all `postgres` backends, or `redis-server`). With the load
 * generator itself (`bench`), this is where a path's CPU goes: on a small machine every
 * process of the path shares the same cores, so a hop's cost shows up as throughput.
 */
export type Watched = Record<string, number | { command: string }>;

function pidsRunning(command: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === command) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function tryCpuMicros(pid: number): number {
  try {
    return cpuMicros(pid);
  } catch {
    return 0; // exited meanwhile
  }
}

/** CPU time so far of each watched process (and of this process, as `bench`), in µs. */
function cpuSnapshot(watched: Watched): Record<string, number> {
  const usage = process.cpuUsage();
  const snapshot: Record<string, number> = { bench: usage.user + usage.system };
  for (const [name, what] of Object.entries(watched)) {
    snapshot[name] =
      typeof what === "number"
        ? tryCpuMicros(what)
        : pidsRunning(what.command).reduce((sum, pid) => sum + tryCpuMicros(pid), 0);
  }
  return snapshot;
}

/** User + system CPU time of a process so far, in microseconds (Linux /proc; 10 ms ticks). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks * 10_000;
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
    /** The server process whose CPU time per request to measure. */
    pid?: number;
    /** Skip the warm-up run (when the caller already warmed up). */
    warm?: boolean;
    /** Processes whose CPU time per request to report as `cpuByProcess`. */
    watch?: Watched;
  } = {},
): Promise<LoadResult> {
  const base = {
    url,
    headers: options.headers ?? {},
    connections: options.connections ?? 16,
    ...(options.rate ? { overallRate: options.rate } : {}),
  };
  if (!options.warm) await autocannon({ ...base, duration: 1 });
  const cpuBefore = options.pid ? cpuMicros(options.pid) : 0;
  const watchedBefore = options.watch ? cpuSnapshot(options.watch) : undefined;
  const result = await autocannon({ ...base, duration: options.seconds ?? 5 });
  const cpu = options.pid ? cpuMicros(options.pid) - cpuBefore : undefined;
  const total = result.requests.total;
  let cpuByProcess: Record<string, number> | undefined;
  if (watchedBefore && total > 0) {
    const after = cpuSnapshot(options.watch!);
    cpuByProcess = Object.fromEntries(
      Object.entries(after).map(([name, micros]) => [
        name,
        (micros - (watchedBefore[name] ?? 0)) / total,
      ]),
    );
  }
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(cpu !== undefined && total > 0 ? { cpuMicrosPerRequest: cpu / total } : {}),
    ...(cpuByProcess ? { cpuByProcess } : {}),
  };
}

export interface LoadTarget {
  label: string;
  url: string;
  headers?: Record<string, string>;
  pid?: number;
  watch?: Watched;
}

/**
 * Throughput of each target in alternating short runs (a, b, c, a, b, c, ...), so that whatever
 * else the machine does at the time falls on all alike; returns each one's totals over its runs,
 * in the order given.
 */
export async function compareThroughput(
  targets: readonly LoadTarget[],
  { rounds = 4, seconds = 2, connections = 16 } = {},
): Promise<LoadResult[]> {
  const runs: LoadResult[][] = targets.map(() => []);
  for (const target of targets) await load(target.label, target.url, { ...target, connections });
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      runs[i]!.push(
        await load(target.label, target.url, { ...target, connections, seconds, warm: true }),
      );
    }
  }
  const combine = (label: string, results: LoadResult[]): LoadResult => {
    const mean = (pick: (r: LoadResult) => number) =>
      results.reduce((sum, r) => sum + pick(r), 0) / results.length;
    const cpu = results.map((r) => r.cpuMicrosPerRequest);
    const byProcess = results.map((r) => r.cpuByProcess);
    return {
      label,
      requestsPerSecond: mean((r) => r.requestsPerSecond),
      p50: mean((r) => r.p50),
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      ...(cpu.every((c) => c !== undefined)
        ? { cpuMicrosPerRequest: mean((r) => r.cpuMicrosPerRequest!) }
        : {}),
      ...(byProcess.every((b) => b !== undefined)
        ? {
            cpuByProcess: Object.fromEntries(
              Object.keys(byProcess[0]!).map((name) => [
                name,
                mean((r) => r.cpuByProcess![name] ?? 0),
              ]),
            ),
          }
        : {}),
    };
  };
  return runs.map((results, i) => combine(targets[i]!.label, results));
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
