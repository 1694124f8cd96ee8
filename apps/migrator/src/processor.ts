import {
  dispatchJob,
  invalidJobData,
  invalidJobError,
  isFleetJobName,
  type JobName,
  parsePayload,
  parseResult,
  toJobError,
} from "@tidemark/jobs";
import {
  assertSameDatabase,
  type DatabaseIdentity,
  databaseIdentity,
  type EngineConfig,
  isTidemarkError,
} from "@tidemark/migrate";
import type { Job } from "bullmq";
import type { Logger } from "pino";
import { jobContext } from "./engine.js";
import { runJob } from "./run-job.js";

/** What the processor needs from the worker around it. */
export interface ProcessorDeps {
  engine: EngineConfig;
  logger: Logger;
  /** True once shutdown was requested. */
  stopping: () => boolean;
  /** Runs the parent job of a fleet run (fleet/orchestrator.ts). */
  orchestrate: (job: Job, token?: string) => Promise<unknown>;
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
    if (isFleetJobName(job.name)) return deps.orchestrate(job, token);
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
    const ctx = jobContext(deps.engine, job.id ?? "", log, payload.requestedBy);
    return runJob(
      job,
      token,
      { log, stopping: deps.stopping, fields: { requestedBy: payload.requestedBy } },
      async (hooks) => parseResult(name, await dispatchJob(name, payload, ctx, hooks)),
    );
  };
}
