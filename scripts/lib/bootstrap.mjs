// Shared steps of `npm start` and `npm test`: get pnpm and the dependencies, find the stores.
import { execSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PNPM_VERSION = "10.34.9";

function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed with exit code ${result.status}`);
  }
}

/** pnpm 10 (pnpm 11 needs Node 22) and a frozen-lockfile install when node_modules is stale. */
export function ensureInstalled() {
  if (!has("pnpm")) {
    console.log(`Installing pnpm ${PNPM_VERSION} …`);
    run("npm", ["install", "-g", `pnpm@${PNPM_VERSION}`]);
  }
  const marker = join(ROOT, "node_modules", ".modules.yaml");
  if (!existsSync(marker) || process.env.CI) {
    run("pnpm", ["install", "--frozen-lockfile"]);
  }
}

export function pnpmVersion() {
  return execSync("pnpm --version").toString().trim();
}

/** Resolves true when something accepts TCP connections at host:port. */
export function reachable(host, port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export function parseUrl(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || defaultPort) };
}

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The test suite needs the machine's Postgres and Redis; say clearly when one is missing. */
export async function requireStores() {
  const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const missing = [];
  const pgAt = parseUrl(pgUrl, 5432);
  const redisAt = parseUrl(redisUrl, 6379);
  if (!(await reachable(pgAt.host, pgAt.port)))
    missing.push(`Postgres at ${pgAt.host}:${pgAt.port}`);
  if (!(await reachable(redisAt.host, redisAt.port)))
    missing.push(`Redis at ${redisAt.host}:${redisAt.port}`);
  if (missing.length > 0) {
    console.error(
      `The tests need ${missing.join(" and ")}. Start them (see README: "Stores"), ` +
        "or point TEST_DATABASE_URL / TEST_REDIS_URL at running ones.",
    );
    process.exit(1);
  }
}
