import type { Logger } from "@clment/http";
import type { SecretReencryptionService } from "../domain/secret-reencryption.service.js";

/**
 * Runs a re-encryption pass over the stored secrets once at start and then every interval, one
 * pass at a time, so that secrets written under a previous key (by a process still running the
 * previous configuration during a roll) reach the current key shortly after the roll ends.
 */
export class SecretReencryptionJobs {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly reencryption: SecretReencryptionService,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.runOnce();
    this.timer = setInterval(() => this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  private runOnce(): void {
    this.running ??= this.reencryption
      .reencryptAll()
      .then(
        () => undefined,
        (error: unknown) => {
          // Postgres away: the next pass tries again.
          this.logger.warn({ err: error }, "stored secrets re-encryption pass failed");
        },
      )
      .finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
