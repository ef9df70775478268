import type { Logger } from "@clment/http";
import type { SettingsClient } from "./settings.client.js";

/**
 * Remembers when each API key was last used by this gateway instance and tells settings in one
 * call every `flushMs`, never with a write per request. A failed flush keeps its usages for the
 * next one; `close` flushes what is left.
 */
export class ApiKeyUsageBatcher {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly settings: SettingsClient,
    private readonly flushMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Called on every request with an API key: a map write, nothing more. */
  used(keyId: string, at = Date.now()): void {
    this.pending.set(keyId, at);
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.settings
      .touchApiKeys([...batch].map(([id, at]) => ({ id, lastUsedAt: new Date(at).toISOString() })))
      .catch(() => {
        // Settings is away: keep the usages (the newest time per key) for the next flush.
        for (const [id, at] of batch) {
          if ((this.pending.get(id) ?? 0) < at) this.pending.set(id, at);
        }
        this.logger.warn({ keys: batch.size }, "could not record API key usage; will retry");
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }
}
