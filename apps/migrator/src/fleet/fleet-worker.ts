import {
  blockingConnection,
  FLEET_QUEUE_NAME,
  fleetRetention,
  TolerantQueue,
  TolerantWorker,
} from "@tidemark/jobs";
import type { Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import type { MigratorConfig } from "../config.js";
import { createTargetProcessor } from "./target-processor.js";

/** The fleet half of a worker: children of fleet runs, several at once. */
export interface FleetWorker {
  /** The children's queue: the parent adds waves to it; cancel requests live under it. */
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

/**
 * Consume the fleet queue with `TIDEMARK_FLEET_CONCURRENCY` children at once. Two children of
 * one run never share a target, one run at a time is the rule, and each child takes its
 * target's own advisory lock, so concurrency never puts two runs on one database.
 */
export function startFleetWorker(
  config: MigratorConfig,
  logger: Logger,
  stopping: () => boolean,
): FleetWorker {
  const queue: Queue = new TolerantQueue(FLEET_QUEUE_NAME, {
    connection: blockingConnection(config.queue.redisUrl),
    prefix: config.queue.prefix,
  });
  queue.on("error", (err) => logger.debug({ err: err.message }, "fleet queue connection error"));
  const log = logger.child({ queue: FLEET_QUEUE_NAME });
  const worker: Worker = new TolerantWorker(
    FLEET_QUEUE_NAME,
    createTargetProcessor({
      engine: config.engine,
      lockWaitMs: config.fleet.lockWaitMs,
      fleetQueue: queue,
      logger: log,
      stopping,
    }),
    {
      connection: blockingConnection(config.queue.redisUrl),
      prefix: config.queue.prefix,
      concurrency: config.fleet.concurrency,
      // Same failover timing as single jobs (see worker.ts).
      lockDuration: config.lockMs,
      lockRenewTime: config.lockMs / 4,
      stalledInterval: config.stalledMs,
      maxStalledCount: 1,
      ...fleetRetention,
    },
  );
  worker.on("error", (err) => log.debug({ err: err.message }, "fleet worker error"));
  worker.on("stalled", (jobId) => log.warn({ jobId }, "fleet job stalled (its worker died); it runs again"));
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
