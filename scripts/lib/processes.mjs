// The child processes of `npm start`. Each runs in its own process group, so a Ctrl-C reaches
// only `npm start`, which then stops them in order (gateways, services, stores), each with
// its graceful signal and SIGKILL after a bound. Their output goes to log files.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { relative } from "node:path";
import { ROOT } from "./bootstrap.mjs";

const ORPHAN_GUARD = new URL("./orphan-guard.mjs", import.meta.url).href;
const STOP_BOUND_MS = 10_000;
/** Stop order: what depends on something stops before it. */
const TIERS = ["gateways", "services", "stores"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process `npm start` runs and stops: one it spawned, or a store it found left running. */
class ManagedProcess {
  constructor(label, pid, exited, { logFile, stopSignal = "SIGTERM" } = {}) {
    this.label = label;
    this.pid = pid;
    this.logFile = logFile;
    this.logPath = logFile && relative(ROOT, logFile);
    this.stopSignal = stopSignal;
    this.running = true;
    this.stopRequested = false;
    this.exited = exited.then((exit) => {
      this.running = false;
      return exit;
    });
  }

  /** The graceful signal, then SIGKILL to its whole group if it is still there after a bound. */
  async stop() {
    this.stopRequested = true;
    if (!this.running) return;
    signal(this.pid, this.stopSignal);
    if (await Promise.race([this.exited.then(() => true), sleep(STOP_BOUND_MS)])) return;
    console.error(`${this.label} did not stop within ${STOP_BOUND_MS / 1000} s: killing it.`);
    signal(-this.pid, "SIGKILL");
    signal(this.pid, "SIGKILL");
    await this.exited;
  }

  /** Polls `check` until it resolves true; rejects if the process exits first or after a bound. */
  async waitReady(check, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.running && !this.stopRequested && Date.now() < deadline) {
      if (await check()) return;
      await sleep(150);
    }
    const reason = this.running ? `was not ready after ${timeoutMs / 1000} s` : "did not come up";
    throw new Error(`${this.label} ${reason}${this.logPath ? ` (log: ${this.logPath})` : ""}.`);
  }

  describeExit({ code, signal, error }) {
    if (error) return `${this.label} could not be started: ${error.message}`;
    return `${this.label} exited (${signal ? `signal ${signal}` : `code ${code}`})`;
  }

  logTail(lines = 20) {
    if (!this.logFile || !existsSync(this.logFile)) return "";
    return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  }
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** Every process of one `npm start`, by tier; reports the ones that exit unexpectedly. */
export class Supervisor {
  #tiers = Object.fromEntries(TIERS.map((tier) => [tier, []]));
  stopping = false;

  /** Spawns `command` detached, with stdout and stderr in `logFile` (truncated). */
  spawn(tier, label, command, args, options) {
    const { env, logFile, uid, gid, stopSignal, ipc = false } = options;
    const log = openSync(logFile, "w");
    let child;
    try {
      child = spawn(command, args, {
        cwd: ROOT,
        env,
        uid,
        gid,
        detached: true,
        stdio: ["ignore", log, log, ...(ipc ? ["ipc"] : [])],
      });
    } finally {
      closeSync(log);
    }
    const exited = new Promise((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    return this.#add(tier, new ManagedProcess(label, child.pid, exited, { logFile, stopSignal }));
  }

  /**
   * Runs a built Node entry point. The orphan guard makes it stop (as on SIGTERM) when
   * `npm start` goes away without stopping it, even after a SIGKILL.
   */
  spawnNode(tier, label, script, options) {
    const args = ["--import", ORPHAN_GUARD, script];
    return this.spawn(tier, label, process.execPath, args, { ...options, ipc: true });
  }

  /** A process this run did not start (a store left running by an earlier run that was killed). */
  adopt(tier, label, pid, options) {
    const exited = (async () => {
      while (isAlive(pid)) await sleep(200);
      return { code: null, signal: null };
    })();
    return this.#add(tier, new ManagedProcess(label, pid, exited, options));
  }

  #add(tier, managed) {
    this.#tiers[tier].push(managed);
    void managed.exited.then((exit) => {
      if (this.stopping) return;
      const tail = managed.logTail();
      console.error(`\n${managed.describeExit(exit)}.`);
      if (tail) console.error(`The end of ${managed.logPath}:\n${indent(tail)}\n`);
    });
    return managed;
  }

  /** Stops everything, tier by tier. */
  async stopAll() {
    this.stopping = true;
    for (const tier of TIERS) await Promise.all(this.#tiers[tier].map((p) => p.stop()));
  }

  /** Last resort when `npm start` exits without `stopAll` (a bug): signal, do not wait. */
  signalAll() {
    const running = TIERS.flatMap((tier) => this.#tiers[tier]).filter((p) => p.running);
    for (const managed of running) signal(managed.pid, managed.stopSignal);
  }
}

export const indent = (text, prefix = "  ") => text.replace(/^/gm, prefix);

/** Runs a command to completion, capturing its output; rejects with the output on failure. */
export function runCaptured(command, args, { env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) return resolve(output);
      const what = `\`${args.join(" ")}\` failed (${signal ?? `code ${code}`})`;
      reject(new Error(`${what}:\n${indent(output.trimEnd())}`));
    });
  });
}

/**
 * True when GET url answers 200. One connection per check, closed after it: a kept-alive
 * connection would hold the server open when it is asked to stop while being polled.
 */
export function answers200(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once("timeout", () => request.destroy());
    request.once("error", () => resolve(false));
  });
}

/** True when nothing listens on 127.0.0.1:port. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `preferred` when it is free, else a port the OS hands out. */
export async function freePort(preferred) {
  if (await portIsFree(preferred)) return preferred;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
