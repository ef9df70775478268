import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Region } from "@clment/config";
import { freePort, TEST_REDIS_URL, waitFor } from "@clment/testing";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export type ProcessName = "settings" | "contracts" | "review" | "credits" | "gateway";
const PROCESSES: ProcessName[] = ["settings", "contracts", "review", "credits", "gateway"];

const MAIN: Record<ProcessName, string> = {
  settings: "services/settings/src/main.ts",
  contracts: "services/contracts/src/main.ts",
  review: "services/review/src/main.ts",
  credits: "services/credits/src/main.ts",
  gateway: "gateway/src/main.ts",
};

export interface RegionProcess {
  name: ProcessName;
  url: string;
  port: number;
  /** The running child, if any. */
  child(): ChildProcess | undefined;
  /** Starts the process (again, on the same port) and waits for its /healthz. */
  start(): Promise<void>;
  /** Sends a signal; resolves with the exit code once the process has ended. */
  signal(signal: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when the running process ends. */
  exited(): Promise<number | null>;
}

export interface ProcessRegion {
  url: string;
  processes: Record<ProcessName, RegionProcess>;
  close(): Promise<void>;
}

/**
 * A region as real OS processes (the four services and one gateway), each run from source with
 * tsx (`node --conditions=development --import tsx <main.ts>`), for tests about signals, crashes
 * and outages that an in-process region cannot show.
 */
export async function startProcessRegion(options: {
  region: Region;
  databaseUrl: string;
  redisPrefix: string;
  identitySecret: string;
  redisUrl?: string;
  /** Extra environment per process (e.g. a slow LLM for review). */
  env?: Partial<Record<ProcessName, Record<string, string>>>;
}): Promise<ProcessRegion> {
  const ports = new Set<number>();
  while (ports.size < PROCESSES.length) ports.add(await freePort());
  const portOf = Object.fromEntries(PROCESSES.map((name, i) => [name, [...ports][i]!])) as Record<
    ProcessName,
    number
  >;
  const urlOf = (name: ProcessName) => `http://127.0.0.1:${portOf[name]}`;
  const dataDir = await mkdtemp(join(tmpdir(), `clment-proc-${options.region}-`));
  const common: Record<string, string> = {
    REGION: options.region,
    REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
    REDIS_PREFIX: options.redisPrefix,
    IDENTITY_SECRET: options.identitySecret,
    LOG_LEVEL: process.env.CLMENT_TEST_LOG_LEVEL ?? "error",
    PUBLIC_BASE_URL: `${urlOf("gateway")}/v1`,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: dataDir,
    SETTINGS_URL: urlOf("settings"),
    CONTRACTS_URL: urlOf("contracts"),
    REVIEW_URL: urlOf("review"),
    CREDITS_URL: urlOf("credits"),
    UPSTREAM_TIMEOUT_MS: "5000",
    LAST_USED_FLUSH_MS: "500",
  };

  const make = (name: ProcessName): RegionProcess => {
    let child: ChildProcess | undefined;
    let exit: Promise<number | null> | undefined;
    return {
      name,
      url: urlOf(name),
      port: portOf[name],
      child: () => child,
      async start() {
        child = spawn(
          process.execPath,
          ["--conditions=development", "--import", "tsx", join(ROOT, MAIN[name])],
          {
            cwd: ROOT,
            env: {
              PATH: process.env.PATH,
              HOME: process.env.HOME,
              ...common,
              PORT: String(portOf[name]),
              ...options.env?.[name],
            },
            stdio: ["ignore", "inherit", "inherit"],
          },
        );
        const running = child;
        exit = once(running, "exit").then(([code]) => code as number | null);
        await waitFor(
          async () => {
            if (running.exitCode !== null) throw new Error(`${name} exited: ${running.exitCode}`);
            const response = await fetch(`${urlOf(name)}/healthz`);
            return response.ok;
          },
          { timeoutMs: 30_000, intervalMs: 100, message: `${name} to start` },
        );
      },
      async signal(signal) {
        const running = child;
        if (!running || running.exitCode !== null || !exit) return running?.exitCode ?? null;
        running.kill(signal);
        return exit;
      },
      exited: () => exit ?? Promise.resolve(null),
    };
  };
  const processes = Object.fromEntries(PROCESSES.map((name) => [name, make(name)])) as Record<
    ProcessName,
    RegionProcess
  >;
  const close = async () => {
    await processes.gateway.signal("SIGTERM");
    await Promise.all(
      PROCESSES.filter((name) => name !== "gateway").map((name) =>
        processes[name].signal("SIGTERM"),
      ),
    );
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // Services start in parallel (2 cores: tsx compiles each on start), then the gateway.
    await Promise.all(PROCESSES.filter((n) => n !== "gateway").map((n) => processes[n].start()));
    await processes.gateway.start();
  } catch (error) {
    await Promise.all(PROCESSES.map((name) => processes[name].signal("SIGKILL")));
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return { url: urlOf("gateway"), processes, close };
}
