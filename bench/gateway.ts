import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IdentityTokens } from "@clment/auth";
import { freePort } from "@clment/testing";
import {
  compareLatency,
  compareThroughput,
  load,
  type LoadResult,
  type Watched,
} from "./lib/load.js";
import type { SectionResult } from "./lib/metrics.js";
import { barChart } from "./lib/svg.js";
import { reportedPort, startProcess, stopAll, waitReady } from "./lib/processes.js";
import { prepareBenchDatabase, REDIS_URL } from "./lib/stores.js";

const SERVICE_NAMES = ["settings", "contracts", "review", "credits"] as const;

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (!res.ok)
    throw new Error(`${init.method ?? "GET"} ${url} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Where each path's CPU goes, per request: one row per path, one column per process. */
function cpuTable(results: LoadResult[]): string[] {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.cpuByProcess ?? {})))];
  const total = (r: LoadResult) =>
    Object.values(r.cpuByProcess ?? {}).reduce((sum, micros) => sum + micros, 0);
  return [
    `| CPU µs per request | ${names.join(" | ")} | all |`,
    `|---|${names.map(() => "---|").join("")}---|`,
    ...results.map(
      (r) =>
        `| ${r.label} | ${names.map((n) => Math.round(r.cpuByProcess?.[n] ?? 0)).join(" | ")} | ${Math.round(total(r))} |`,
    ),
  ];
}

function print(results: LoadResult[]): void {
  console.table(
    results.map((r) => ({
      target: r.label,
      "req/s": Math.round(r.requestsPerSecond),
      "p50 ms": r.p50,
      "p99 ms": r.p99,
      "CPU µs/req": r.cpuMicrosPerRequest === undefined ? "" : Math.round(r.cpuMicrosPerRequest),
      errors: r.errors + r.non2xx,
    })),
  );
}

/**
 * The gateway's cost, measured side by side in one run on this machine:
 * - `GET /v1/me` through the gateway with an API key vs. the settings service directly;
 * - the gateway in front of a raw node:http server vs. a bare node:http proxy in front of it.
 */
export async function benchGateway(): Promise<SectionResult> {
  const region = "us";
  const databaseUrl = await prepareBenchDatabase("clment_bench_gateway");
  const secret = randomBytes(32).toString("hex");
  const prefix = `clment-bench:${randomBytes(4).toString("hex")}`;
  const common = {
    REGION: region,
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    IDENTITY_SECRET: secret,
    DATA_DIR: mkdtempSync(join(tmpdir(), "clment-bench-")),
  };
  try {
    const ports = Object.fromEntries(
      await Promise.all(SERVICE_NAMES.map(async (name) => [name, await freePort()] as const)),
    ) as Record<(typeof SERVICE_NAMES)[number], number>;
    const urls = Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}`]),
    ) as Record<(typeof SERVICE_NAMES)[number], string>;
    const peers = {
      SETTINGS_URL: urls.settings,
      CONTRACTS_URL: urls.contracts,
      REVIEW_URL: urls.review,
      CREDITS_URL: urls.credits,
    };
    const pids: Partial<Record<string, number>> = {};
    for (const name of SERVICE_NAMES) {
      pids[name] = startProcess(name, `services/${name}/dist/main.js`, {
        ...common,
        ...peers,
        PORT: String(ports[name]),
      }).process.pid;
    }
    await Promise.all(Object.values(urls).map((u) => waitReady(`${u}/readyz`)));

    const hello = startProcess("hello", "bench/servers/hello.mjs", {});
    const helloUrl = `http://127.0.0.1:${await reportedPort(hello)}`;
    const bare = startProcess("bare-proxy", "bench/servers/bare-proxy.mjs", {
      TARGET_URL: helloUrl,
    });
    const bareUrl = `http://127.0.0.1:${await reportedPort(bare)}`;
    pids.bare = bare.process.pid;
    // The same bare proxy in front of settings: what any extra hop costs on this machine.
    const bareSettings = startProcess("bare-proxy-settings", "bench/servers/bare-proxy.mjs", {
      TARGET_URL: urls.settings,
    });
    const bareSettingsUrl = `http://127.0.0.1:${await reportedPort(bareSettings)}`;
    pids.bareSettings = bareSettings.process.pid;

    const gateway = async (name: string, contractsUrl: string) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = startProcess(name, "gateway/dist/main.js", {
        ...common,
        PORT: String(port),
        PUBLIC_BASE_URL: `${url}/v1`,
        // The bench measures the path, not the limits: budgets far above what it sends.
        RATE_LIMIT_API_KEY_PER_MINUTE: "100000000",
        RATE_LIMIT_SESSION_PER_MINUTE: "100000000",
        ...peers,
        CONTRACTS_URL: contractsUrl,
        ...(process.env.BENCH_PROFILE_DIR && name === "gateway-hello"
          ? { BENCH_EXEC_ARGV: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` }
          : {}),
      });
      pids[name] = child.process.pid;
      await waitReady(`${url}/healthz`);
      return url;
    };
    const gatewayUrl = await gateway("gateway", urls.contracts);
    // The same gateway code with its contracts upstream swapped for the raw server: its own
    // per-request cost against a bare proxy's.
    const gatewayToHello = await gateway("gateway-hello", helloUrl);

    const signup = await json(`${gatewayUrl}/v1/auth/signup`, {
      method: "POST",
      body: JSON.stringify({
        organizationName: "Bench Org",
        name: "Bench Admin",
        email: `bench-${randomBytes(4).toString("hex")}@example.com`,
        password: "correct horse battery staple",
      }),
    });
    const session = signup.data.session.token as string;
    const created = await json(`${gatewayUrl}/v1/settings/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${session}` },
      body: JSON.stringify({ label: "bench" }),
    });
    const apiKey = created.data.secret as string;
    const keyHeaders = { authorization: `Bearer ${apiKey}` };
    const me = await json(`${gatewayUrl}/v1/me`, { headers: keyHeaders });
    // Identity tokens live 60 s: sign a fresh one (no signer cache) for each direct measurement.
    const directHeaders = async () => ({
      "x-clment-identity": await new IdentityTokens(secret, region).sign({
        organizationId: me.data.organization.id,
        principal: { type: "api_key", id: me.data.principal.id },
        role: null,
        region,
      }),
    });

    const raw = await load("raw node:http", `${helloUrl}/`);
    // Pairs that are compared run in alternating short runs, so load from elsewhere on the
    // machine falls on both alike; CPU per request of the measured process is read from /proc.
    const [bareProxy, gatewayHello] = (await compareThroughput([
      { label: "bare node:http proxy → raw", url: `${bareUrl}/`, pid: pids.bare },
      {
        label: "gateway (key auth) → raw",
        url: `${gatewayToHello}/v1/contracts`,
        headers: keyHeaders,
        pid: pids["gateway-hello"],
      },
    ])) as [LoadResult, LoadResult];
    // Every process a `GET /v1/me` passes through (all share this machine's cores).
    const watch: Watched = {
      gateway: pids.gateway!,
      "bare proxy": pids.bareSettings!,
      settings: pids.settings!,
      postgres: { command: "postgres" },
      redis: { command: "redis-server" },
    };
    const identityHeaders = await directHeaders();
    const [direct, bareToSettings, viaGateway] = (await compareThroughput([
      {
        label: "settings GET /v1/me direct",
        url: `${urls.settings}/v1/me`,
        headers: identityHeaders,
        pid: pids.settings,
        watch,
      },
      {
        label: "bare proxy → settings GET /v1/me",
        url: `${bareSettingsUrl}/v1/me`,
        headers: identityHeaders,
        pid: pids.bareSettings,
        watch,
      },
      {
        label: "gateway → settings GET /v1/me",
        url: `${gatewayUrl}/v1/me`,
        headers: keyHeaders,
        pid: pids.gateway,
        watch,
      },
    ])) as [LoadResult, LoadResult, LoadResult];
    mkdirSync(join(import.meta.dirname, "out"), { recursive: true });
    // Latency added by the gateway, one request at a time (no queueing), in alternating blocks.
    const latency = await compareLatency(
      { url: `${urls.settings}/v1/me`, headers: await directHeaders() },
      { url: `${gatewayUrl}/v1/me`, headers: keyHeaders },
    );
    console.table({
      "settings direct": latency.a,
      "through the gateway": latency.b,
    });
    writeFileSync(
      join(import.meta.dirname, "out", "gateway-latency.svg"),
      barChart("GET /v1/me latency, one request at a time", "ms", [
        { label: "settings service, direct", values: latency.a },
        { label: "through the gateway (API key)", values: latency.b },
      ]),
    );
    const results = [raw, bareProxy, gatewayHello, direct, bareToSettings, viaGateway];
    print(results);
    const cpu = cpuTable([direct, bareToSettings, viaGateway]);
    console.log(cpu.join("\n"));
    const failed = results.filter((r) => r.errors + r.non2xx > 0);
    if (failed.length > 0) {
      throw new Error(`requests failed during: ${failed.map((r) => r.label).join(", ")}`);
    }

    const throughputRatio = viaGateway.requestsPerSecond / direct.requestsPerSecond;
    const hopRatio = bareToSettings.requestsPerSecond / direct.requestsPerSecond;
    const proxyRatio = gatewayHello.requestsPerSecond / bareProxy.requestsPerSecond;
    const cpuRatio =
      (bareProxy.cpuMicrosPerRequest ?? NaN) / (gatewayHello.cpuMicrosPerRequest ?? NaN);
    const addedP50 = latency.b.p50 - latency.a.p50;
    const metrics = [
      { name: "raw node:http throughput", value: raw.requestsPerSecond, unit: "req/s" },
      {
        name: "bare node:http proxy throughput",
        value: bareProxy.requestsPerSecond,
        unit: "req/s",
      },
      {
        name: "settings GET /v1/me direct throughput",
        value: direct.requestsPerSecond,
        unit: "req/s",
      },
      { name: "gateway GET /v1/me throughput", value: viaGateway.requestsPerSecond, unit: "req/s" },
      {
        name: "gateway ÷ direct service throughput",
        value: throughputRatio,
        unit: "",
        target: "≥ 0.70",
        pass: throughputRatio >= 0.7,
      },
      {
        name: "bare proxy ÷ direct service throughput (any extra hop, same run)",
        value: hopRatio,
        unit: "",
      },
      {
        name: "gateway ÷ bare proxy throughput (both in front of settings)",
        value: viaGateway.requestsPerSecond / bareToSettings.requestsPerSecond,
        unit: "",
      },
      {
        name: "gateway p50 added (one request at a time)",
        value: addedP50,
        unit: "ms",
        target: "≤ 1",
        pass: addedP50 <= 1,
      },
      {
        name: "gateway ÷ bare proxy throughput (same raw upstream)",
        value: proxyRatio,
        unit: "",
        target: "≥ 0.40",
        pass: proxyRatio >= 0.4,
      },
      {
        name: "bare proxy ÷ gateway CPU time per request (same raw upstream)",
        value: cpuRatio,
        unit: "",
      },
      {
        name: "gateway CPU per proxied request",
        value: gatewayHello.cpuMicrosPerRequest ?? NaN,
        unit: "µs",
      },
      { name: "gateway → raw p99", value: gatewayHello.p99, unit: "ms" },
    ];
    return {
      metrics,
      notes: [
        "Where the CPU of one `GET /v1/me` goes on each path (same run; `bench` is the load",
        "generator, `postgres` all its backends). Every process shares this machine's cores, so",
        "whatever a hop costs anywhere (its own process, the kernel's loopback, the service and",
        "Postgres answering at a different pace) comes off the path's throughput.",
        "",
        ...cpu,
      ],
    };
  } finally {
    await stopAll();
  }
}
