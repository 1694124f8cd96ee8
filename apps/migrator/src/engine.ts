import type { JobName, JobPayload, JobResults } from "@tidemark/jobs";
import {
  backup,
  createEngineContext,
  type EngineConfig,
  type EngineContext,
  type Logger,
  type ProgressEvent,
  processActor,
  restore,
  rollback,
  upgrade,
} from "@tidemark/migrate";

/** Hooks the worker passes to the engine for one job. */
export interface RunHooks {
  onProgress: (event: ProgressEvent) => void;
  /** True once shutdown was requested: the engine stops after the current migration. */
  shouldStop: () => boolean;
}

/** The engine context of one job: its actor carries the job id, so `tidemark.history` names it. */
export function jobContext(
  config: EngineConfig,
  jobId: string,
  logger: Logger,
  requestedBy?: Record<string, unknown>,
): EngineContext {
  return createEngineContext(config, processActor("worker", { jobId, requestedBy }), logger);
}

/**
 * Run one validated job through the engine. The engine takes the advisory lock itself,
 * so the worker never locks on its own.
 */
export async function runEngine<N extends JobName>(
  name: N,
  payload: JobPayload<N>,
  ctx: EngineContext,
  hooks: RunHooks,
): Promise<JobResults[N]> {
  const job = { name, payload } as { [K in JobName]: { name: K; payload: JobPayload<K> } }[JobName];
  switch (job.name) {
    case "upgrade": {
      const { to, dryRun, singleTransaction } = job.payload;
      return (await upgrade(ctx, { to, dryRun, singleTransaction, ...hooks })) as JobResults[N];
    }
    case "rollback": {
      const { to, noBackup } = job.payload;
      return (await rollback(ctx, { to, noBackup, ...hooks })) as JobResults[N];
    }
    case "backup":
      return (await backup(ctx, { label: job.payload.label, reason: "manual" })) as JobResults[N];
    case "restore": {
      const { file, noBackup } = job.payload;
      return (await restore(ctx, { file, noBackup, onProgress: hooks.onProgress })) as JobResults[N];
    }
  }
}
