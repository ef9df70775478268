// Shared steps of `npm start` and `npm test`: get pnpm and the dependencies, find the stores.
import { execSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PNPM_VERSION = "10.34.9";

export function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (result.signal === "SIGINT" || result.signal === "SIGTERM" || result.status === 130) {
    throw Object.assign(new Error(`${command} ${args.join(" ")} was interrupted`), {
      interrupted: true,
    });
  }
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed with exit code ${result.status}`);
  }
}

/**
 * pnpm 10 (pnpm 11 needs Node 22) and a frozen-lockfile install when node_modules is stale.
 * Returns the pnpm version.
 */
export function ensureInstalled() {
  let version = has("pnpm") ? pnpmVersion() : "absent";
  if (!version.startsWith("10.")) {
    console.log(`Installing pnpm ${PNPM_VERSION} …`);
    run("npm", ["install", "-g", `pnpm@${PNPM_VERSION}`]);
    version = PNPM_VERSION;
  }
  if (installIsStale()) {
    run("pnpm", ["install", "--frozen-lockfile"]);
  }
  return version;
}

/**
 * True when node_modules is missing or older than the lockfile or a workspace package.json
 * (pnpm rewrites node_modules/.modules.yaml on every install).
 */
function installIsStale() {
  const marker = join(ROOT, "node_modules", ".modules.yaml");
  if (!existsSync(marker)) return true;
  const installedAt = statSync(marker).mtimeMs;
  const files = ["pnpm-lock.yaml", "pnpm-workspace.yaml", "package.json"];
  for (const dir of workspaceDirs()) files.push(join(dir, "package.json"));
  return files.some((file) => {
    const path = join(ROOT, file);
    return existsSync(path) && statSync(path).mtimeMs > installedAt;
  });
}

/** The directories the `packages:` globs of pnpm-workspace.yaml name ("dir" or "dir/*"). */
function workspaceDirs() {
  const yaml = readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8");
  const block = yaml.match(/^packages:\n((?:[ \t]+-.*\n?)*)/m)?.[1] ?? "";
  return [...block.matchAll(/-\s*["']?([^"'\s]+)/g)].flatMap(([, glob]) => {
    if (!glob.endsWith("/*")) return [glob];
    const parent = glob.slice(0, -2);
    return existsSync(join(ROOT, parent))
      ? readdirSync(join(ROOT, parent)).map((name) => join(parent, name))
      : [];
  });
}

export function pnpmVersion() {
  try {
    return execSync("pnpm --version", { stdio: "pipe" }).toString().trim();
  } catch {
    return "unusable"; // e.g. pnpm 11, which needs Node 22
  }
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

/**
 * The test suite needs the machine's Postgres and Redis; say clearly when one is missing.
 * Checks the stores the tests use (@clment/testing, e2e/src/prepare-test-template.ts):
 * TEST_DATABASE_URL / TEST_REDIS_URL, else 127.0.0.1; never DATABASE_URL / REDIS_URL.
 */
export async function requireStores() {
  const pgUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL ?? DEFAULT_REDIS_URL;
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
