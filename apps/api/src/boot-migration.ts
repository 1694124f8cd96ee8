import {
  databaseIdentity,
  type EngineContext,
  type RunReport,
  type UpToDateCheck,
  upgrade,
} from "@tidemark/migrate";
import type { MigrationOutcome } from "./boot.js";
import type { MigrateOnBoot } from "./config.js";
import { type Metrics, outcomeOf } from "./metrics.js";
import type { QueueHandle } from "./queue.js";

/** The no-worker check polls; leave it room to fire well before the overall timeout. */
function noWorkerAfter(noWorkerAfterMs: number, timeoutMs: number): number {
  return Math.max(1, Math.min(noWorkerAfterMs, Math.floor(timeoutMs / 3)));
}

/** What the boot migration needs. */
export interface BootMigrationDeps {
  mode: MigrateOnBoot;
  ctx: EngineContext;
  queue: QueueHandle;
  timeoutMs: number;
  /**
   * No worker connected for this long, whether the job waits or was running (its worker
   * died): degraded with TM_NO_WORKER now rather than after the whole timeout.
   */
  noWorkerAfterMs: number;
  metrics: Metrics;
}

function outcome(report: RunReport, jobId?: string): MigrationOutcome {
  return { from: report.from, to: report.to, steps: report.steps.length, jobId };
}

/**
 * The `migrate` step of the boot sequence: an `upgrade` job awaited through the queue, or
 * an in-process upgrade (`inline`; the engine takes the advisory lock either way).
 * With no migrations at all the engine creates the tables from the schema (logging
 * `🔧 Creating database tables...`); that runs in-process so this API's log shows it.
 */
export function bootMigration(deps: BootMigrationDeps): (check: UpToDateCheck) => Promise<MigrationOutcome> {
  return async (check) => {
    if (deps.mode === "inline" || !check.hasMigrations) return outcome(await upgrade(deps.ctx));
    const [jobs, queue] = await Promise.all([deps.queue.module(), deps.queue.get()]);
    try {
      const { jobId } = await queue.enqueue("upgrade", {
        requestedBy: jobs.currentRequester("api"),
        database: await databaseIdentity(deps.ctx.databaseUrl),
      });
      const report = (await queue.awaitJob(jobId, {
        timeoutMs: deps.timeoutMs,
        noWorkerAfterMs: noWorkerAfter(deps.noWorkerAfterMs, deps.timeoutMs),
      })) as RunReport;
      deps.metrics.jobOutcome("upgrade", "completed");
      return outcome(report, jobId);
    } catch (err) {
      deps.metrics.jobOutcome("upgrade", outcomeOf(err));
      throw err;
    }
  };
}
