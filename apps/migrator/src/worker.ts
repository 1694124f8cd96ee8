import { hostname } from "node:os";
import {
  blockingConnection,
  isRedisConnectionError,
  QUEUE_NAME,
  retention,
  TolerantWorker,
} from "@tidemark/jobs";
import { redactUrls } from "@tidemark/migrate";
import type { Worker } from "bullmq";
import type { Logger } from "pino";
import type { MigratorConfig } from "./config.js";
import { checkTargets } from "./fleet/check-targets.js";
import { startFleetWorker } from "./fleet/fleet-worker.js";
import { createOrchestrator } from "./fleet/orchestrator.js";
import { createProcessor } from "./processor.js";
import { reportRedisSettings } from "./redis-settings.js";

/** A running worker. */
export interface Migrator {
  worker: Worker;
  /** Graceful stop: the migrations in flight finish, the job is requeued, connections close. */
  stop(reason: string): Promise<void>;
}

/**
 * Start the BullMQ worker of the migrations queue (concurrency 1). Never throws for an
 * unreachable Redis: it retries with backoff and logs one line per attempt.
 */
export function startMigrator(config: MigratorConfig, logger: Logger): Migrator {
  const redis = redactUrls(config.queue.redisUrl);
  let stopping = false;
  let closing: Promise<void> | undefined;
  let everReady = false;
  // "lost" is worth one line per outage; the retry lines carry the rest.
  let connected = false;
  let lastRetry = { attempt: 0, at: 0 };

  // Each of the worker's two connections retries on its own; log one line per attempt.
  const onRetry = (attempt: number, delayMs: number): void => {
    const now = Date.now();
    if (attempt === lastRetry.attempt && now - lastRetry.at < 1000) return;
    lastRetry = { attempt, at: now };
    logger.warn({ redis, attempt, nextDelayMs: delayMs }, "Redis unavailable; retrying");
  };

  const fleet = startFleetWorker(config, logger, () => stopping);
  // Tolerant: a job whose data is not JSON reaches the processor, which fails it once.
  const worker: Worker = new TolerantWorker(
    QUEUE_NAME,
    createProcessor({
      engine: config.engine,
      logger,
      stopping: () => stopping,
      orchestrate: createOrchestrator({ fleetQueue: fleet.queue, logger }),
    }),
    {
      connection: blockingConnection(config.queue.redisUrl, onRetry),
      prefix: config.queue.prefix,
      concurrency: 1,
      name: `${hostname()}-${process.pid}`,
      // A killed worker's lock lapses within lockDuration; the next stalled check then
      // re-queues its job for a surviving worker. Renewing every quarter of the lock (BullMQ
      // checks every half of lockRenewTime) leaves a blocked event loop about half of it.
      lockDuration: config.lockMs,
      lockRenewTime: config.lockMs / 4,
      stalledInterval: config.stalledMs,
      // Killed once: run again (it resumes). Killed twice: fail visibly instead of looping.
      maxStalledCount: 1,
      removeOnComplete: retention.removeOnComplete,
      removeOnFail: retention.removeOnFail,
    },
  );

  worker.on("ready", () => {
    const fields = {
      redis,
      queue: QUEUE_NAME,
      prefix: config.queue.prefix,
      concurrency: 1,
      fleetConcurrency: config.fleet.concurrency,
    };
    logger.info(fields, everReady ? "Redis connection restored" : "migrator worker ready");
    if (!everReady) {
      void reportRedisSettings(worker, logger);
      if (config.fleet.targets) void checkTargets(config.fleet.targets, logger);
    }
    everReady = true;
    connected = true;
  });
  worker.on("error", (err) => {
    // Connection errors are already reported once per retry by onRetry.
    if (isRedisConnectionError(err)) logger.debug({ err: err.message, redis }, "Redis connection error");
    else logger.error({ err }, "worker error");
  });
  worker.on("ioredis:close", () => {
    if (connected && !stopping) logger.warn({ redis }, "Redis connection lost");
    connected = false;
  });
  worker.on("stalled", (jobId) => logger.warn({ jobId }, "job stalled (its worker died); it runs again"));

  logger.info(
    { redis, prefix: config.queue.prefix, stalledMs: config.stalledMs, lockMs: config.lockMs },
    "migrator worker starting",
  );

  return {
    worker,
    stop(reason) {
      if (closing) {
        logger.warn({ reason }, "already stopping; waiting for the migrations in flight to finish");
        return closing;
      }
      stopping = true;
      logger.info({ reason }, "shutting down after the migrations in flight");
      closing = Promise.all([worker.close(), fleet.close()]).then(() =>
        logger.info("migrator worker stopped"),
      );
      return closing;
    },
  };
}
