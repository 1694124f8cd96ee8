import path from "node:path";
import {
  dispatchJob,
  type FleetAction,
  invalidJobData,
  invalidJobError,
  isCancelled,
  parseTargetJobId,
  parseTargetPayload,
  type TargetOutcome,
  type TargetPayload,
  toJobError,
} from "@tidemark/jobs";
import {
  aboutTarget,
  type BackupInfo,
  createEngineContext,
  type EngineConfig,
  type EngineContext,
  processActor,
  type RunReport,
  targetConnectionUrl,
} from "@tidemark/migrate";
import type { Job, Queue } from "bullmq";
import type { Logger } from "pino";
import { runJob } from "../run-job.js";

/** What a fleet child needs from the worker around it. */
export interface TargetProcessorDeps {
  engine: EngineConfig;
  /** How long a child waits for its target's migration lock. */
  lockWaitMs: number;
  fleetQueue: Queue;
  logger: Logger;
  stopping: () => boolean;
}

/**
 * The engine context of one target: the worker's settings with the target's database, a
 * backup folder of its own, and no database created for a target that does not exist.
 */
function targetContext(
  deps: TargetProcessorDeps,
  payload: TargetPayload,
  jobId: string,
  log: Logger,
): EngineContext {
  const config = {
    ...deps.engine,
    databaseUrl: targetConnectionUrl(payload.target),
    backupDir: path.join(deps.engine.backupDir, payload.target.name),
  };
  const actor = processActor("worker", { jobId, requestedBy: payload.requestedBy });
  return createEngineContext(config, actor, log, { lockWaitMs: deps.lockWaitMs, createDatabase: false });
}

/** A child's result: what the engine's report says happened to its target. */
function toOutcome(
  action: FleetAction,
  target: string,
  attempt: number,
  result: unknown,
  durationMs: number,
): TargetOutcome {
  if (action === "backup") {
    const info = result as BackupInfo;
    return { target, status: "applied", attempt, to: info.revision, backupFile: info.name, durationMs };
  }
  const run = result as RunReport;
  return {
    target,
    status: run.steps.length > 0 ? "applied" : "unchanged",
    attempt,
    from: run.from,
    to: run.to,
    steps: run.steps.length,
    ...(run.backupFile ? { backupFile: path.basename(run.backupFile) } : {}),
    durationMs,
  };
}

/** The processor of the fleet queue: one target of one run, under that target's own lock. */
export function createTargetProcessor(deps: TargetProcessorDeps) {
  return async (job: Job, token?: string): Promise<TargetOutcome> => {
    let payload: TargetPayload;
    try {
      if (invalidJobData(job)) throw invalidJobError(job);
      payload = parseTargetPayload(job.name, job.data);
    } catch (err) {
      deps.logger.error({ jobId: job.id, err }, "fleet job payload rejected");
      throw toJobError(err, { unrecoverable: true });
    }
    const { fleetId, target, action } = payload;
    const log = deps.logger.child({ jobId: job.id, job: job.name, fleetId, target: target.name });
    const attempt = parseTargetJobId(job.id ?? "")?.attempt ?? 1;
    if (await isCancelled(deps.fleetQueue, fleetId)) {
      log.info("fleet run cancelled; target skipped");
      return {
        target: target.name,
        status: "skipped",
        attempt,
        reason: "the run was cancelled before this target started",
      };
    }
    const started = performance.now();
    const result = await runJob(job, token, { log, stopping: deps.stopping }, async (hooks) => {
      try {
        const ctx = targetContext(deps, payload, job.id ?? "", log);
        return await dispatchJob(action, payload.input, ctx, hooks);
      } catch (err) {
        throw aboutTarget(err, payload.target);
      }
    });
    return toOutcome(action, target.name, attempt, result, Math.round(performance.now() - started));
  };
}
