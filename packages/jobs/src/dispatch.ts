import {
  backup,
  type EngineContext,
  type ProgressEvent,
  restore,
  rollback,
  upgrade,
} from "@tidemark/migrate";
import type { JobName } from "./names.js";
import type { JobPayload } from "./payloads.js";
import type { JobResults } from "./results.js";

/** Hooks a job runner passes to the engine. */
export interface DispatchHooks {
  onProgress: (event: ProgressEvent) => void;
  /** True once a stop was requested: upgrade and rollback stop after the migrations in flight. */
  shouldStop: () => boolean;
}

/** A job's payload as the engine needs it: who asked is recorded by the caller, not the engine. */
export type JobInput<N extends JobName = JobName> = Omit<JobPayload<N>, "requestedBy">;

/** A job name with its input, for callers holding either. */
export type JobRequest = { [K in JobName]: { name: K; payload: JobInput<K> } }[JobName];

/**
 * The one dispatcher from a job to its engine call, used by the worker and by the CLI's
 * `--direct`. The engine takes the advisory lock itself, so callers never lock on their own.
 */
export async function dispatchJob<N extends JobName>(
  name: N,
  payload: JobInput<N>,
  ctx: EngineContext,
  hooks: DispatchHooks,
): Promise<JobResults[N]> {
  const job = { name, payload } as JobRequest;
  const { onProgress, shouldStop } = hooks;
  switch (job.name) {
    case "upgrade": {
      const { to, dryRun, singleTransaction } = job.payload;
      return (await upgrade(ctx, { to, dryRun, singleTransaction, onProgress, shouldStop })) as JobResults[N];
    }
    case "rollback": {
      const { to, noBackup, acceptUnverified } = job.payload;
      return (await rollback(ctx, {
        to,
        noBackup,
        acceptUnverified,
        onProgress,
        shouldStop,
      })) as JobResults[N];
    }
    case "backup":
      return (await backup(ctx, { label: job.payload.label, reason: "manual" })) as JobResults[N];
    case "restore": {
      const { file, noBackup, fromOtherDatabase } = job.payload;
      return (await restore(ctx, { file, noBackup, fromOtherDatabase, onProgress })) as JobResults[N];
    }
  }
}
