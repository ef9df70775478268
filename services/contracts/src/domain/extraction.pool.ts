import { Worker } from "node:worker_threads";
import type { DocumentKind } from "./text-extraction.js";

/** What a worker is asked: to check that a PDF opens, or to extract a document's text. */
export interface ExtractionRequest {
  job: "check" | "extract";
  kind: Exclude<DocumentKind, "text">;
  data: Uint8Array;
}

/** A worker's answer; `unreadable` failures are the document's fault and permanent. */
export type ExtractionReply =
  { ok: true; text: string } | { ok: false; unreadable: boolean; message: string };

export interface ExtractionLimits {
  /** Worker threads reading documents at the same time; further requests wait their turn. */
  threads: number;
  /** How long one document may take once a worker has it. */
  deadlineMs: number;
  /** The V8 heap of one worker; a document that needs more kills that worker, not the service. */
  maxHeapMb: number;
}

export const DEFAULT_EXTRACTION_LIMITS: ExtractionLimits = {
  threads: 2,
  deadlineMs: 60_000,
  maxHeapMb: 512,
};

/** What a worker posts once its code has loaded. */
export const READY = "ready";

export const TOO_SLOW = "The document took too long to read";
export const TOO_LARGE = "The document needs too much memory to read";
const UNREADABLE = "The document could not be read";
const CLOSED: ExtractionReply = {
  ok: false,
  unreadable: false,
  message: "The extraction pool is closed",
};

/**
 * Built code runs `extraction.worker.js`. Tests (and tsx) run the TypeScript sources: their
 * worker registers tsx (a dev dependency of the repository) first, which a worker's `--import`
 * cannot do on Node 20.
 */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) {
    return { entry: new URL("./extraction.worker.js", import.meta.url), eval: false };
  }
  const worker = new URL("./extraction.worker.ts", import.meta.url).href;
  return {
    entry: `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(worker)}); });`,
    eval: true,
  };
}

interface Queued {
  request: ExtractionRequest;
  resolve: (reply: ExtractionReply) => void;
}

interface Running extends Queued {
  timer: NodeJS.Timeout;
}

/**
 * Reads documents in worker threads, off the service's event loop. Each worker has a bounded
 * heap and each document a deadline; a worker that runs out of memory, crashes or passes the
 * deadline is discarded (terminated) and its document answered as unreadable. Idle workers are
 * kept for the next document (loading pdf.js costs more than most documents) and do not keep
 * the process alive.
 */
export class ExtractionPool {
  private readonly workers = new Set<Worker>();
  /** Workers whose code has loaded: their failures are a document's, not the deployment's. */
  private readonly loaded = new WeakSet<Worker>();
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Running>();
  private readonly waiting: Queued[] = [];
  private closed = false;

  constructor(private readonly limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS) {}

  run(request: ExtractionRequest): Promise<ExtractionReply> {
    if (this.closed) return Promise.reject(new Error("The extraction pool is closed"));
    return new Promise((resolve) => {
      this.waiting.push({ request, resolve });
      this.dispatch();
    });
  }

  /** Stops every worker; documents in flight are answered as failed (retryable). */
  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.waiting.splice(0)) {
      queued.resolve(CLOSED);
    }
    await Promise.all([...this.workers].map((worker) => this.discard(worker)));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const worker =
        this.idle.pop() ?? (this.workers.size < this.limits.threads ? this.spawn() : undefined);
      if (!worker) return;
      const queued = this.waiting.shift()!;
      const timer = setTimeout(
        () => this.finish(worker, { ok: false, unreadable: true, message: TOO_SLOW }, true),
        this.limits.deadlineMs,
      );
      this.running.set(worker, { ...queued, timer });
      worker.ref();
      worker.postMessage(queued.request);
    }
  }

  private spawn(): Worker {
    const { entry, eval: evaluate } = workerEntry();
    const worker = new Worker(entry, {
      eval: evaluate,
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb },
    });
    this.workers.add(worker);
    worker.on("message", (message: ExtractionReply | typeof READY) => {
      if (message === READY) this.loaded.add(worker);
      else this.finish(worker, message, false);
    });
    // A worker dies of a hostile document (out of memory, an uncaught error deep in a parser):
    // that document is unreadable, and the next one gets a fresh worker. A worker that dies
    // before its code loaded says nothing about the document: that failure is worth a retry.
    worker.on("error", (error: Error & { code?: string }) => {
      const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.finish(worker, this.death(worker, outOfMemory ? TOO_LARGE : UNREADABLE), true);
    });
    worker.on("exit", () => {
      this.finish(worker, this.closed ? CLOSED : this.death(worker, UNREADABLE), true);
      this.forget(worker);
    });
    return worker;
  }

  private death(worker: Worker, message: string): ExtractionReply {
    return this.loaded.has(worker)
      ? { ok: false, unreadable: true, message }
      : { ok: false, unreadable: false, message: "The extraction worker could not start" };
  }

  private finish(worker: Worker, reply: ExtractionReply, discard: boolean): void {
    const running = this.running.get(worker);
    if (!running) return;
    this.running.delete(worker);
    clearTimeout(running.timer);
    running.resolve(reply);
    if (discard || this.closed) {
      void this.discard(worker);
    } else {
      worker.unref();
      this.idle.push(worker);
    }
    this.dispatch();
  }

  private forget(worker: Worker): void {
    this.workers.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
  }

  private async discard(worker: Worker): Promise<void> {
    this.forget(worker);
    await worker.terminate();
  }
}
