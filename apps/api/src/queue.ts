import type { MigrationsQueue, QueueConfig } from "@tidemark/jobs";
import type { Logger } from "pino";

/** The `@tidemark/jobs` module, loaded on first use. */
export type JobsModule = typeof import("@tidemark/jobs");

/** The job names, from the BullMQ-free half of the contract so route schemas cost nothing. */
export { jobNames as JOB_NAMES } from "@tidemark/jobs/contract";

/**
 * Loads BullMQ and opens the queue on first use. Why: an up-to-date database must boot with
 * one query and no Redis round trip, an inline-mode API must run without Redis at all, and
 * BullMQ with ioredis costs about 20 MB of memory an idle API should not pay.
 */
export class QueueHandle {
  private jobs: Promise<JobsModule> | null = null;
  private queue: Promise<MigrationsQueue> | null = null;
  private closed = false;

  constructor(
    private readonly config: QueueConfig,
    private readonly logger: Logger,
  ) {}

  /** The `@tidemark/jobs` module (payload validation, requester), imported once. */
  module(): Promise<JobsModule> {
    this.jobs ??= import("@tidemark/jobs");
    return this.jobs;
  }

  /** The queue, connecting on the first call. */
  get(): Promise<MigrationsQueue> {
    this.queue ??= this.module().then((jobs) => {
      // close() may have run while the module loaded: never leave a connection behind.
      const queue = jobs.createMigrationsQueue(this.config, { logger: this.logger });
      if (this.closed) void queue.close();
      return queue;
    });
    return this.queue;
  }

  /** Close the connection if one was opened. */
  async close(): Promise<void> {
    this.closed = true;
    const q = this.queue;
    this.queue = null;
    await (await q?.catch(() => undefined))?.close();
  }
}
