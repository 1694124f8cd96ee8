import { createMigrationsQueue, type QueueConfig } from "@tidemark/jobs";
import type { Logger } from "pino";

/** The `migrations` queue client from `@tidemark/jobs`. */
export type MigrationsQueue = ReturnType<typeof createMigrationsQueue>;

/**
 * Opens the queue on first use. Why: an up-to-date database must boot with one query and
 * no Redis round trip, and an inline-mode API must run without Redis at all.
 */
export class QueueHandle {
  private queue: MigrationsQueue | null = null;

  constructor(
    private readonly config: QueueConfig,
    private readonly logger: Logger,
  ) {}

  /** The queue, connecting on the first call. */
  get(): MigrationsQueue {
    this.queue ??= createMigrationsQueue(this.config, { logger: this.logger });
    return this.queue;
  }

  /** Close the connection if one was opened. */
  async close(): Promise<void> {
    const q = this.queue;
    this.queue = null;
    await q?.close();
  }
}
