import { QUEUE_NAME, redisTarget } from "@tidemark/jobs/contract";
import { TidemarkError } from "@tidemark/migrate";
import type { Queue, QueueEvents } from "bullmq";
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

/** The part of an ioredis pipeline the sweep uses. */
interface Pipeline {
  hmget(key: string, ...fields: string[]): Pipeline;
  exec(): Promise<[Error | null, unknown][] | null>;
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
  private events: Promise<{ events: QueueEvents; reader: Queue }> | null = null;
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
      () => this.check([jobId]),
      (err: unknown) => this.deps.logger.warn({ err, jobId }, "job events unavailable; checking every 5 s"),
    );
  }

  /** The shared QueueEvents (opened on first use): the dashboard's live view listens to it too. */
  async sharedEvents(): Promise<QueueEvents> {
    return (await this.stream()).events;
  }

  /** Stop following everything and close the stream. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.watched.clear();
    const opened = await this.events?.catch(() => null);
    await Promise.allSettled([opened?.events.close(), opened?.reader.close()]);
  }

  private async open(): Promise<{ events: QueueEvents; reader: Queue }> {
    // Loaded on first use like the queue itself (see queue.ts): an idle API never pays for BullMQ.
    const { Queue, QueueEvents } = await import("bullmq");
    const connection = { ...redisTarget(this.deps.redisUrl), maxRetriesPerRequest: null };
    const events = new QueueEvents(QUEUE_NAME, { connection, prefix: this.deps.prefix });
    const reader = new Queue(QUEUE_NAME, { connection, prefix: this.deps.prefix });
    reader.on("error", (err) => this.deps.logger.debug({ err: err.message }, "job reader connection error"));
    events.on("error", (err) => this.deps.logger.debug({ err: err.message }, "job events connection error"));
    events.on("completed", ({ jobId }) => this.end(jobId, "completed", null));
    events.on("failed", ({ jobId }) => this.end(jobId, "failed", "TM_JOB_FAILED"));
    events.on("removed", ({ jobId }) => this.end(jobId, "error", "TM_JOB_NOT_FOUND"));
    try {
      await withTimeout(Promise.all([events.waitUntilReady(), reader.waitUntilReady()]), READY_TIMEOUT_MS);
    } catch (err) {
      await Promise.allSettled([events.close(), reader.close()]);
      throw err;
    }
    return { events, reader };
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
  private stream(): Promise<{ events: QueueEvents; reader: Queue }> {
    this.events ??= this.open().catch((err: unknown) => {
      this.events = null;
      throw err;
    });
    return this.events;
  }

  /**
   * Re-read the given jobs and end those that are over: one HMGET per job, all in one round
   * trip (BullMQ's getState runs a script of about ten commands per job).
   */
  private async check(jobIds: string[]): Promise<void> {
    const ids = jobIds.filter((id) => this.watched.has(id));
    if (ids.length === 0) return;
    try {
      const { reader } = await this.stream();
      const client = await reader.client;
      // BullMQ types its client as a union whose pipeline type lacks the hash commands.
      const pipeline = client.pipeline() as unknown as Pipeline;
      for (const id of ids) pipeline.hmget(reader.toKey(id), "timestamp", "finishedOn", "failedReason");
      const replies = (await pipeline.exec()) ?? [];
      ids.forEach((id, i) => {
        const [err, fields] = replies[i] ?? [];
        if (err) return;
        const [timestamp, finishedOn, failedReason] = fields as (string | null)[];
        if (timestamp === null) this.end(id, "error", "TM_JOB_NOT_FOUND");
        else if (finishedOn !== null) {
          if (failedReason !== null) this.end(id, "failed", "TM_JOB_FAILED");
          else this.end(id, "completed", null);
        }
      });
    } catch (err) {
      // A Redis blip: the next sweep tries again; the deadline bounds it.
      this.deps.logger.debug({ err }, "job status check failed");
    }
  }

  /** The safety net: re-read every followed job once per sweep, and give up on overdue ones. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const [jobId, w] of [...this.watched]) {
      if (now >= w.deadline) this.end(jobId, "timeout", "TM_QUEUE_TIMEOUT");
    }
    await this.check([...this.watched.keys()]);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
