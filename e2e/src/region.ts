import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Region } from "@clment/config";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@clment/gateway";
import { loadServiceConfig, startService, type RunningService } from "@clment/runtime";
import { freePort, TEST_REDIS_URL } from "@clment/testing";
import { SERVICES } from "./services.js";

export interface RegionOptions {
  region: Region;
  databaseUrl: string;
  redisPrefix: string;
  identitySecret: string;
  /** Gateway instances sharing the region's Redis (default 1). */
  gatewayInstances?: number;
  redisUrl?: string;
  /** How often gateways send API key usage to settings (small in tests). */
  lastUsedFlushMs?: number;
  logLevel?: string;
  /**
   * Extra gateway environment (e.g. `RATE_LIMIT_*`). Tests get generous rate limits by default,
   * so only the tests about limits meet them.
   */
  gatewayEnv?: Record<string, string>;
  /** Where services keep files (documents); a temporary directory, removed on close, by default. */
  dataDir?: string;
  /**
   * The region's public base URL, as its gateway and services are told it (default: the first
   * gateway's own URL, `http://127.0.0.1:<port>/v1`). An https one makes cookies `Secure`.
   */
  publicBaseUrl?: string;
}

export type ServiceName = "settings" | "contracts" | "review" | "credits";

export interface RunningRegion {
  region: Region;
  /** The first gateway's URL, e.g. http://127.0.0.1:40123 (API paths start with /v1). */
  url: string;
  gateways: RunningGateway[];
  services: Record<ServiceName, RunningService<any>>;
  close(): Promise<void>;
}

/**
 * One whole region in this process: the four services, then `gatewayInstances` gateways in
 * front of them, all on free ports, against the given database and Redis prefix.
 */
export async function startRegion(options: RegionOptions): Promise<RunningRegion> {
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const logLevel = options.logLevel ?? process.env.CLMENT_TEST_LOG_LEVEL ?? "silent";
  // Ports are chosen up front so every service can be told where its peers are.
  const [gatewayPort, ...servicePorts] = await distinctFreePorts(SERVICES.length + 1);
  const ports = Object.fromEntries(SERVICES.map((s, i) => [s.name, servicePorts[i]])) as Record<
    ServiceName,
    number
  >;
  const serviceUrl = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `clment-${options.region}-`)));
  const common = {
    REGION: options.region,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    IDENTITY_SECRET: options.identitySecret,
    LOG_LEVEL: logLevel,
    PUBLIC_BASE_URL: options.publicBaseUrl ?? `http://127.0.0.1:${gatewayPort}/v1`,
    SETTINGS_URL: serviceUrl("settings"),
    CONTRACTS_URL: serviceUrl("contracts"),
    REVIEW_URL: serviceUrl("review"),
    CREDITS_URL: serviceUrl("credits"),
  };
  const started: RunningService<any>[] = [];
  const gateways: RunningGateway[] = [];
  const close = async () => {
    // Gateways first: their last usage flush still reaches settings.
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all(started.map((s) => s.close()));
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    for (const service of SERVICES) {
      started.push(
        await startService(
          service.definition,
          loadServiceConfig({
            ...common,
            PORT: String(ports[service.name as ServiceName]),
            DATABASE_URL: options.databaseUrl,
            DATA_DIR: dataDir,
          }),
        ),
      );
    }
    const services = Object.fromEntries(started.map((s) => [s.name, s])) as Record<
      ServiceName,
      RunningService<any>
    >;
    for (let i = 0; i < (options.gatewayInstances ?? 1); i++) {
      gateways.push(
        await startGateway(
          loadGatewayConfig({
            ...common,
            PORT: String(i === 0 ? gatewayPort : 0),
            LAST_USED_FLUSH_MS: String(options.lastUsedFlushMs ?? 5_000),
            UPSTREAM_TIMEOUT_MS: "5000",
            ...TEST_RATE_LIMITS,
            ...options.gatewayEnv,
          }),
        ),
      );
    }
    return { region: options.region, url: gateways[0]!.url, gateways, services, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const TEST_RATE_LIMITS = {
  RATE_LIMIT_API_KEY_PER_MINUTE: "100000",
  RATE_LIMIT_SESSION_PER_MINUTE: "100000",
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "100000",
  RATE_LIMIT_LOGIN_PER_IP_EMAIL_PER_MINUTE: "100000",
  RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE: "100000",
};

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
