import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface Child {
  name: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const children: Child[] = [];

/** Starts a built process of the repo (`node <script>`), logs to the bench's stderr on failure. */
export function startProcess(name: string, script: string, env: Record<string, string>): Child {
  // BENCH_EXEC_ARGV: node flags for this child only, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS).
  const execArgv = env.BENCH_EXEC_ARGV?.split(" ") ?? [];
  const child = spawn(process.execPath, [...execArgv, join(ROOT, script)], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM" && signal !== "SIGKILL") {
      console.error(`${name} exited (${code ?? signal}):\n${stderr}`);
    }
  });
  const handle: Child = {
    name,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await once(child, "exit");
      clearTimeout(timer);
    },
  };
  children.push(handle);
  return handle;
}

/** Waits for a child that reports its port over IPC (`process.send({ port })`). */
export async function reportedPort(child: Child): Promise<number> {
  const [message] = (await once(child.process, "message")) as [{ port: number }];
  return message.port;
}

export async function waitReady(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all(children.splice(0).map((c) => c.stop()));
}
