import { randomUUID } from "node:crypto";
import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { FlowProducer, type JobState, type Queue } from "bullmq";
import type { QueueConfig } from "../config.js";
import {
  closeQuietly,
  DEFAULT_CONNECT_TIMEOUT_MS,
  isRedisConnectionError,
  producerConnection,
  readyWithin,
  redisUnavailable,
} from "../connection.js";
import { QUEUE_NAME } from "../names.js";
import { TolerantQueue } from "../poisoned.js";
import { retention } from "../retention.js";
import { clearCancel, requestCancel } from "./cancel.js";
import { targetChildren } from "./children.js";
import { decideNext } from "./decide.js";
import { FLEET_QUEUE_NAME, type FleetJobName, fleetAction, isFleetJobName } from "./names.js";
import { type FleetPayload, parseFleetPayload } from "./payloads.js";
import { type FleetView, toFleetView } from "./view.js";

/** The producer side of fleet runs: start, watch, cancel and resume them (CLI, API). */
export interface FleetClient {
  /** Validate the plan and start a run: its parent and first wave are added as one flow. */
  start(name: FleetJobName, payload: FleetPayload): Promise<{ fleetId: string }>;
  /** A run's live view, or null when no such run exists. */
  get(fleetId: string): Promise<FleetView | null>;
  /** Recent runs, newest first. */
  list(limit?: number): Promise<FleetView[]>;
  /** Start no more targets of a running run; targets already running finish. */
  cancel(fleetId: string): Promise<FleetView>;
  /** Run a halted, cancelled or incomplete run's failed and skipped targets again, then go on. */
  resume(fleetId: string): Promise<FleetView>;
  /** Workers connected to the fleet queue right now. */
  workerCount(): Promise<number>;
  close(): Promise<void>;
}

const UNFINISHED: JobState[] = ["active", "waiting", "waiting-children", "prioritized", "delayed"];
const RESUMABLE = new Set(["TM_FLEET_HALTED", "TM_FLEET_CANCELLED", "TM_FLEET_INCOMPLETE"]);

/** TM_FLEET_NOT_FOUND for a run id that names no run (never created, or trimmed). */
export function fleetNotFound(fleetId: string): TidemarkError {
  return new TidemarkError(
    "TM_FLEET_NOT_FOUND",
    `No fleet run ${fleetId}. \`pnpm cli fleet jobs\` lists the recent ones.`,
    { details: { fleetId } },
  );
}

/** Connect to the queues of fleet runs. Nothing is awaited here; the first call waits (bounded) for Redis. */
export function createFleetClient(
  config: QueueConfig,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): FleetClient {
  const connection = producerConnection(config.redisUrl, connectTimeoutMs);
  const parents: Queue = new TolerantQueue(QUEUE_NAME, { connection, prefix: config.prefix });
  const children: Queue = new TolerantQueue(FLEET_QUEUE_NAME, { connection, prefix: config.prefix });
  const flows = new FlowProducer({ connection, prefix: config.prefix });
  // Without listeners an 'error' event would crash the process; the calls report it instead.
  parents.on("error", () => {});
  children.on("error", () => {});
  flows.on("error", () => {});

  const withRedis = async <T>(fn: () => Promise<T>): Promise<T> => {
    await readyWithin(
      Promise.all([parents.waitUntilReady(), children.waitUntilReady(), flows.waitUntilReady()]),
      config.redisUrl,
      connectTimeoutMs,
    );
    try {
      return await fn();
    } catch (err) {
      if (isRedisConnectionError(err)) throw redisUnavailable(config.redisUrl, (err as Error).message, err);
      throw err;
    }
  };

  const view = async (fleetId: string): Promise<FleetView | null> => {
    const job = await parents.getJob(fleetId);
    if (!job || !isFleetJobName(job.name)) return null;
    return toFleetView(job, await job.getState(), children);
  };
  const mustView = async (fleetId: string): Promise<FleetView> => {
    const found = await view(fleetId);
    if (found) return found;
    throw fleetNotFound(fleetId);
  };
  /** Refuse a second run at once: two runs would race for the same targets' locks. */
  const assertIdle = async (except?: string): Promise<void> => {
    const running = (await parents.getJobs(UNFINISHED, 0, 200)).find(
      (j) => isFleetJobName(j.name) && j.id !== except,
    );
    if (running) {
      throw new TidemarkError(
        "TM_FLEET_BUSY",
        `Fleet run ${running.id} (${running.name}) is still running. Follow it with \`pnpm cli fleet jobs ${running.id}\`, or stop it with \`pnpm cli fleet cancel ${running.id}\`.`,
        { details: { fleetId: running.id } },
      );
    }
  };

  return {
    start: (name, payload) =>
      withRedis(async () => {
        const plan = parseFleetPayload(name, payload);
        await assertIdle();
        const fleetId = randomUUID();
        const notStarted = plan.targets.map((t) => ({
          target: t.name,
          status: "not-started" as const,
          attempt: 0,
        }));
        const first = decideNext(plan, notStarted, false);
        if (first.kind !== "run")
          throw new TidemarkError("TM_INTERNAL", "A new fleet run has nothing to start.");
        await flows.add({
          name,
          queueName: QUEUE_NAME,
          data: plan,
          opts: { jobId: fleetId, attempts: 1, ...retention },
          children: targetChildren(fleetId, fleetAction(name), plan, first),
        });
        return { fleetId };
      }),
    get: (fleetId) => withRedis(() => view(fleetId)),
    list: (limit = 10) =>
      withRedis(async () => {
        const jobs = await parents.getJobs([...UNFINISHED, "completed", "failed"], 0, 200);
        const runs = jobs.filter((j) => isFleetJobName(j.name)).sort((a, b) => b.timestamp - a.timestamp);
        return Promise.all(
          runs.slice(0, limit).map(async (j) => toFleetView(j, await j.getState(), children)),
        );
      }),
    cancel: (fleetId) =>
      withRedis(async () => {
        const current = await mustView(fleetId);
        if (current.report.status !== "running") {
          throw new TidemarkError(
            "TM_FLEET_NOT_RESUMABLE",
            `Fleet run ${fleetId} is not running (it is ${current.report.status}); there is nothing to cancel.`,
            {
              details: { fleetId, status: current.report.status },
            },
          );
        }
        await requestCancel(children, fleetId);
        return current;
      }),
    resume: (fleetId) =>
      withRedis(async () => {
        const job = await parents.getJob(fleetId);
        if (!job || !isFleetJobName(job.name)) throw fleetNotFound(fleetId);
        const current = await toFleetView(job, await job.getState(), children);
        if (current.state !== "failed" || !current.error || !RESUMABLE.has(current.error.code)) {
          throw new TidemarkError(
            "TM_FLEET_NOT_RESUMABLE",
            `Fleet run ${fleetId} cannot be resumed: it is ${current.report.status}. Only a halted, cancelled or incomplete run can.`,
            { details: { fleetId, status: current.report.status } },
          );
        }
        await assertIdle(fleetId);
        await clearCancel(children, fleetId);
        const plan = parseFleetPayload(job.name, job.data);
        await job.updateData({ ...plan, resumes: plan.resumes + 1 });
        await job.retry("failed");
        return mustView(fleetId);
      }),
    workerCount: () => withRedis(() => children.getWorkersCount()),
    async close() {
      await closeQuietly(flows, parents, children);
    },
  };
}
