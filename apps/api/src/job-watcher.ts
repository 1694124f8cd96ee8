import { QUEUE_NAME } from "@tidemark/jobs/contract";
import { TidemarkError } from "@tidemark/migrate";
import type { QueueEvents } from "bullmq";
import type { Logger } from "pino";
import type { JobOutcome } from "./metrics.js";
import type { QueueHandle } from "./queue.js";

/** How often the watched jobs are re-read, in case the event stream missed one (a Redis blip). */
const SWEEP_MS = 5000;

/** An unreachable Redis must not leave the stream half-open forever. */
const READY_TIMEOUT_MS = 5000;

/** Seconds a client told 429 should wait before enqueueing again. */
export const QUEUE_FULL_RETRY_AFTER_S = 5;

/** What the watcher needs around it. */
export interface JobWatcherDeps {
  queue: QueueHandle;
  redisUrl: string;
  prefix: string;
  /** Jobs followed at once; {@link JobWatcher.admit} refuses beyond it. */
  max: number;
  /** A job still running after this long stops being followed (it keeps running). */
  timeoutMs: number;
  logger: Logger;
  /** Called once per job when it ends, or is given up on. */
  onEnd: (job: { jobId: string; name: string }, outcome: JobOutcome, code: string | null) => void;
}

interface Watched {
  name: string;
  deadline: number;
}

/**
 * Follows the jobs the API enqueued through ONE shared event stream (a single BullMQ
 * QueueEvents) and a slow sweep, instead of a poller per job: with a poller per job, 1,000
 * enqueued jobs cost about 8,000 Redis commands a second.
 */
export class JobWatcher {
  private readonly watched = new Map<string, Watched>();
  private events: Promise<QueueEvents> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: JobWatcherDeps) {}

  /** Jobs being followed now. */
  get size(): number {
    return this.watched.size;
  }

  /** Refuse (TM_QUEUE_FULL, answered 429) when as many jobs as allowed are being followed. */
  admit(): void {
    if (this.watched.size < this.deps.max) return;
    throw new TidemarkError(
      "TM_QUEUE_FULL",
      `${this.watched.size} jobs enqueued through this API are still waiting or running (the limit is ${this.deps.max}, MAX_WATCHED_JOBS). Retry after ${QUEUE_FULL_RETRY_AFTER_S} s; GET /migrations/status shows the queue.`,
      {
        details: {
          watched: this.watched.size,
          max: this.deps.max,
          retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_S,
        },
      },
    );
  }

  /** Follow `jobId` until it ends; a job already followed (a shared upgrade) is not counted twice. */
  watch(jobId: string, name: string): void {
    if (this.closed || this.watched.has(jobId)) return;
    this.watched.set(jobId, { name, deadline: Date.now() + this.deps.timeoutMs });
    this.timer ??= setInterval(() => void this.sweep(), SWEEP_MS);
    this.timer.unref();
    // Read the job once the stream listens: it may have ended before the stream opened.
    this.stream().then(
      () => this.check(jobId),
      (err: unknown) => this.deps.logger.warn({ err, jobId }, "job events unavailable; checking every 5 s"),
    );
  }

  /** Stop following everything and close the stream. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.watched.clear();
    const events = await this.events?.catch(() => null);
    await events?.close().catch(() => {});
  }

  private async open(): Promise<QueueEvents> {
    // Loaded on first use like the queue itself (see queue.ts): an idle API never pays for BullMQ.
    const { QueueEvents } = await import("bullmq");
    const events = new QueueEvents(QUEUE_NAME, {
      connection: { url: this.deps.redisUrl, maxRetriesPerRequest: null },
      prefix: this.deps.prefix,
    });
    events.on("error", (err) => this.deps.logger.debug({ err: err.message }, "job events connection error"));
    events.on("completed", ({ jobId }) => this.end(jobId, "completed", null));
    events.on("failed", ({ jobId }) => this.end(jobId, "failed", "TM_JOB_FAILED"));
    events.on("removed", ({ jobId }) => this.end(jobId, "error", "TM_JOB_NOT_FOUND"));
    try {
      await withTimeout(events.waitUntilReady(), READY_TIMEOUT_MS);
    } catch (err) {
      await events.close().catch(() => {});
      throw err;
    }
    return events;
  }

  private end(jobId: string, outcome: JobOutcome, code: string | null): void {
    const w = this.watched.get(jobId);
    if (!w) return;
    this.watched.delete(jobId);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.deps.onEnd({ jobId, name: w.name }, outcome, code);
  }

  /** The shared stream, opened once; a failed open is retried by the next watch. */
  private stream(): Promise<QueueEvents> {
    this.events ??= this.open().catch((err: unknown) => {
      this.events = null;
      throw err;
    });
    return this.events;
  }

  /** Re-read one job and end it if it is over. */
  private async check(jobId: string): Promise<void> {
    if (!this.watched.has(jobId)) return;
    try {
      const job = await (await this.deps.queue.get()).getJob(jobId);
      if (!job) this.end(jobId, "error", "TM_JOB_NOT_FOUND");
      else if (job.state === "completed") this.end(jobId, "completed", null);
      else if (job.state === "failed") this.end(jobId, "failed", job.errorCode);
    } catch (err) {
      // A Redis blip: the next sweep tries again; the deadline bounds it.
      this.deps.logger.debug({ err, jobId }, "job status check failed");
    }
  }

  /** The safety net: re-read each followed job once per sweep, and give up on overdue ones. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const [jobId, w] of [...this.watched]) {
      if (now >= w.deadline) this.end(jobId, "timeout", "TM_QUEUE_TIMEOUT");
      else await this.check(jobId);
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
