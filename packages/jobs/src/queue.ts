import { randomUUID } from "node:crypto";
import { type Logger, redactUrls, TidemarkError } from "@tidemark/migrate";
import { type JobState, type Queue, QueueEvents } from "bullmq";
import { type AwaitOptions, waitForJob } from "./await.js";
import type { QueueConfig } from "./config.js";
import {
  blockingConnection,
  closeQuietly,
  DEFAULT_CONNECT_TIMEOUT_MS,
  isRedisConnectionError,
  producerConnection,
  readyWithin,
  redisUnavailable,
} from "./connection.js";
import { lastEventId } from "./events-stream.js";
import { type JobName, QUEUE_NAME } from "./names.js";
import { type JobPayload, parsePayload } from "./payloads.js";
import { TolerantQueue } from "./poisoned.js";
import type { JobResult, JobResults } from "./results.js";
import { retention } from "./retention.js";
import { type JobView, toJobView } from "./view.js";

/** Options of {@link createMigrationsQueue}. */
export interface MigrationsQueueOptions {
  logger?: Logger;
  /** How long to wait for Redis before TM_REDIS_UNAVAILABLE (default 3 s). */
  connectTimeoutMs?: number;
}

/** Outcome of {@link MigrationsQueue.enqueue}. */
export interface EnqueueResult {
  jobId: string;
  /** True when an identical upgrade was already waiting or running and this request joined it. */
  deduplicated: boolean;
}

/** The producer side of the migrations queue, used by the CLI and the API. */
export interface MigrationsQueue {
  readonly config: QueueConfig;
  /** Validate the payload and add the job; identical upgrades share one job. */
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>): Promise<EnqueueResult>;
  /** Wait for a job's result; typed errors for timeout, no worker, failure and a vanished job. */
  awaitJob(jobId: string, options: AwaitOptions): Promise<JobResult>;
  /** {@link enqueue} then {@link awaitJob}. */
  enqueueAndAwait<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    options: AwaitOptions,
  ): Promise<JobResults[N]>;
  /** One job's public view, or null when it does not exist (or was trimmed). */
  getJob(jobId: string): Promise<JobView | null>;
  /** Recent jobs, newest first; `failed` keeps only failed ones. */
  listJobs(options?: { failed?: boolean; limit?: number }): Promise<JobView[]>;
  /** Number of jobs in each state. */
  counts(): Promise<Record<string, number>>;
  /** Close the connections; pending waits reject. */
  close(): Promise<void>;
}

const LISTED_STATES: JobState[] = ["active", "waiting", "prioritized", "delayed", "completed", "failed"];

/**
 * Identical concurrent upgrades share one job through BullMQ deduplication (simple mode):
 * the key lives while the job waits or runs and is released when it completes or fails,
 * so the next upgrade request runs again. A deterministic job id would not do: BullMQ
 * keeps a finished job's id, so a later upgrade would be answered with the old result.
 * The lock in PostgreSQL stays the authority; this only avoids wasted jobs.
 */
function deduplicationId(name: JobName, payload: JobPayload): string | undefined {
  if (name !== "upgrade") return undefined;
  const p = payload as JobPayload<"upgrade">;
  // Requests for different databases must never share a job.
  const db = p.database ? `${p.database.database}@${p.database.systemIdentifier ?? p.database.host}` : "any";
  return [
    "upgrade",
    db,
    p.to ?? "latest",
    p.dryRun ? "dry" : "apply",
    p.singleTransaction ? "single" : "each",
  ].join("-");
}

/** Connect to the migrations queue. Nothing is awaited here; the first call waits (bounded) for Redis. */
export function createMigrationsQueue(
  config: QueueConfig,
  options: MigrationsQueueOptions = {},
): MigrationsQueue {
  const { logger } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const redis = redactUrls(config.redisUrl);
  // Tolerant: a job with invalid data in Redis is shown as invalid instead of failing every read.
  const queue: Queue = new TolerantQueue(QUEUE_NAME, {
    connection: producerConnection(config.redisUrl, connectTimeoutMs),
    prefix: config.prefix,
  });
  // Without a listener an 'error' event would crash the process; the calls report it instead.
  queue.on("error", (err) => logger?.debug({ err: err.message, redis }, "queue connection error"));
  let events: Promise<QueueEvents> | undefined;
  let closed = false;
  const waiters = new Set<(err: Error) => void>();

  /** Run a Redis operation with a bounded connect wait, mapping connection failures. */
  const withRedis = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) throw new TidemarkError("TM_INTERNAL", "The migrations queue was closed; create a new one.");
    await readyWithin(queue.waitUntilReady(), config.redisUrl, connectTimeoutMs);
    try {
      return await fn();
    } catch (err) {
      if (isRedisConnectionError(err)) throw redisUnavailable(config.redisUrl, (err as Error).message, err);
      throw err;
    }
  };

  const openEvents = async (): Promise<QueueEvents> => {
    const qe = new QueueEvents(QUEUE_NAME, {
      connection: blockingConnection(config.redisUrl),
      prefix: config.prefix,
      lastEventId: await lastEventId(queue),
    });
    qe.on("error", (err) => logger?.debug({ err: err.message, redis }, "queue events connection error"));
    try {
      await readyWithin(qe.waitUntilReady(), config.redisUrl, connectTimeoutMs);
    } catch (err) {
      await closeQuietly(qe);
      throw err;
    }
    return qe;
  };
  const sharedEvents = (): Promise<QueueEvents> => {
    events ??= withRedis(openEvents).catch((err) => {
      events = undefined; // let the next call try again
      throw err;
    });
    return events;
  };

  const self: MigrationsQueue = {
    config,

    async enqueue(name, payload) {
      const data = parsePayload(name, payload);
      const jobId = randomUUID();
      const deduplication = deduplicationId(name, data);
      const job = await withRedis(() =>
        queue.add(name, data, {
          jobId,
          attempts: 1,
          ...retention,
          ...(deduplication ? { deduplication: { id: deduplication } } : {}),
        }),
      );
      const result = { jobId: job.id ?? jobId, deduplicated: job.id !== jobId };
      logger?.debug({ ...result, job: name }, "migration job enqueued");
      return result;
    },

    awaitJob(jobId, awaitOptions) {
      return withRedis(() =>
        waitForJob(
          {
            queue,
            events: sharedEvents,
            logger,
            track: (abort) => {
              waiters.add(abort);
              return () => waiters.delete(abort);
            },
          },
          jobId,
          awaitOptions,
        ),
      );
    },

    async enqueueAndAwait(name, payload, awaitOptions) {
      const { jobId } = await self.enqueue(name, payload);
      return (await self.awaitJob(jobId, awaitOptions)) as JobResults[typeof name];
    },

    getJob(jobId) {
      return withRedis(async () => {
        const job = await queue.getJob(jobId);
        if (!job) return null;
        const state = await job.getState();
        return state === "unknown" ? null : toJobView(job, state);
      });
    },

    listJobs({ failed = false, limit = 20 } = {}) {
      return withRedis(async () => {
        const states = failed ? (["failed"] as JobState[]) : LISTED_STATES;
        const perState = await Promise.all(
          states.map(async (state) =>
            (await queue.getJobs([state], 0, limit - 1)).map((j) => toJobView(j, state)),
          ),
        );
        return perState
          .flat()
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .slice(0, limit);
      });
    },

    counts() {
      return withRedis(() => queue.getJobCounts(...LISTED_STATES, "paused", "waiting-children"));
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const abort of [...waiters]) {
        abort(
          new TidemarkError("TM_INTERNAL", "The migrations queue was closed while a job was being awaited."),
        );
      }
      const qe = await events?.catch(() => undefined);
      await closeQuietly(qe, queue);
    },
  };
  return self;
}
