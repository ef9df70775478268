import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis-server.js";

export interface PostgresServer {
  /** Server URL (database `postgres`, user `postgres`, trust auth). */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut, as in an outage) and waits. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/** The machine's own Postgres binaries (Debian's postgresql-NN), newest first. */
function systemBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no Postgres server binaries under ${root}`);
  return join(root, versions[0]!, "bin");
}

/** As root, Postgres must run as the `postgres` OS user: setpriv execs in place, so the child we
 * spawn is the server itself and a signal reaches it directly. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return [
    "setpriv",
    ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args],
  ];
}

/**
 * A private Postgres server child process (the machine's binaries, data in a temporary
 * directory under the system temp dir, so it does not depend on where the checkout lives), for
 * tests that take Postgres away without touching the shared server.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = systemBinDir();
  const dir = mkdtempSync(join(tmpdir(), "clment-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const [initCommand, initArgs] = asPostgresUser(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`);
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const [command, args] = asPostgresUser(join(bin, "postgres"), [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "full_page_writes=off",
    ]);
    child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`postgres did not start: ${output}`)),
        15_000,
      );
      child!.stderr!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited with ${code}: ${output}`));
      });
    });
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill("SIGINT");
    await once(running, "exit");
  }

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
