import {
  dispatchJob,
  invalidJobData,
  invalidJobError,
  type JobName,
  parsePayload,
  parseResult,
  progressStamper,
  toJobError,
} from "@tidemark/jobs";
import {
  assertSameDatabase,
  type DatabaseIdentity,
  databaseIdentity,
  type EngineConfig,
  isTidemarkError,
  type ProgressEvent,
  type RunReport,
} from "@tidemark/migrate";
import { type Job, WaitingError } from "bullmq";
import type { Logger } from "pino";
import { jobContext } from "./engine.js";

/** What the processor needs from the worker around it. */
export interface ProcessorDeps {
  engine: EngineConfig;
  logger: Logger;
  /** True once shutdown was requested. */
  stopping: () => boolean;
}

function isInterrupted(result: unknown): boolean {
  return !!(result as Partial<RunReport> | null)?.interrupted;
}

/** This worker's database identity, read once it succeeds (a failed read is retried next job). */
function servedDatabase(url: string): () => Promise<DatabaseIdentity> {
  let known: DatabaseIdentity | undefined;
  return async () => {
    known ??= await databaseIdentity(url);
    return known;
  };
}

/**
 * The BullMQ processor: validate, run through the engine, forward progress, return the
 * report. Errors leave as {@link toJobError} so the caller reads their code back.
 */
export function createProcessor(deps: ProcessorDeps) {
  const served = servedDatabase(deps.engine.databaseUrl);
  return async (job: Job, token?: string): Promise<unknown> => {
    const log = deps.logger.child({ jobId: job.id, job: job.name });
    let payload: ReturnType<typeof parsePayload>;
    try {
      if (invalidJobData(job)) throw invalidJobError(job);
      payload = parsePayload(job.name, job.data);
    } catch (err) {
      // Nothing ran and a bad payload never improves: fail now, no retry.
      log.error({ code: isTidemarkError(err) ? err.code : undefined, err }, "job payload rejected");
      throw toJobError(err, { unrecoverable: true });
    }
    if (payload.database) {
      try {
        assertSameDatabase(payload.database, await served());
      } catch (err) {
        // Another worker's database never becomes ours: fail now, no retry, nothing run.
        log.error({ code: isTidemarkError(err) ? err.code : undefined, err }, "job refused");
        throw toJobError(err, { unrecoverable: isTidemarkError(err) && err.code === "TM_WRONG_DATABASE" });
      }
    }
    const name = job.name as JobName;
    const started = performance.now();
    log.info({ attempt: job.attemptsStarted, requestedBy: payload.requestedBy }, "job started");

    // Progress writes are chained so they land in order, and awaited before the job finishes.
    let progress: Promise<unknown> = Promise.resolve();
    const stamp = progressStamper();
    const onProgress = (event: ProgressEvent): void => {
      const published = stamp(event);
      progress = progress
        .then(() => job.updateProgress(published))
        .catch((err) => log.warn({ err }, "progress update failed"));
    };

    try {
      const result = await dispatchJob(
        name,
        payload,
        jobContext(deps.engine, job.id ?? "", log, payload.requestedBy),
        {
          onProgress,
          shouldStop: deps.stopping,
        },
      );
      await progress;
      if (isInterrupted(result) && deps.stopping()) {
        // Shutdown stopped the run between migrations: give the job back so the next worker
        // resumes it from the last applied revision, and its callers keep waiting.
        await job.moveToWait(token);
        log.info(
          { durationMs: Math.round(performance.now() - started) },
          "job interrupted by shutdown; requeued",
        );
        throw new WaitingError();
      }
      parseResult(name, result);
      log.info({ durationMs: Math.round(performance.now() - started) }, "job completed");
      return result;
    } catch (err) {
      if (err instanceof WaitingError) throw err;
      await progress;
      log.error(
        {
          code: isTidemarkError(err) ? err.code : "TM_INTERNAL",
          err,
          durationMs: Math.round(performance.now() - started),
        },
        "job failed",
      );
      throw toJobError(err);
    }
  };
}
