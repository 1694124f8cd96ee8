import type { Sql } from "../connection.js";
import type { EngineContext, Migration, ProgressEvent, StepReport } from "../types.js";
import { runStep } from "./step.js";

/** How {@link runSteps} reports and stops. */
export interface RunStepsOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Checked between steps: true stops the run after the current migration (graceful shutdown). */
  shouldStop?: () => boolean;
  /** Restore point recorded with every step's history row. */
  backupFile?: string;
}

/**
 * Apply or revert `plan` one migration per transaction, in order. Only the last step waits for
 * its WAL flush, which makes every earlier commit durable too. Returns the steps that ran:
 * fewer than planned when shutdown was requested.
 */
export async function runSteps(
  sql: Sql,
  ctx: EngineContext,
  plan: Migration[],
  direction: "up" | "down",
  options: RunStepsOptions,
): Promise<StepReport[]> {
  const steps: StepReport[] = [];
  for (const [index, m] of plan.entries()) {
    if (options.shouldStop?.()) {
      ctx.logger.warn({ next: m.tag }, "stopping before the next migration: shutdown requested");
      break;
    }
    steps.push(
      await runStep(sql, ctx, m, direction, {
        index,
        total: plan.length,
        onProgress: options.onProgress,
        backupFile: options.backupFile,
        asyncCommit: index < plan.length - 1,
      }),
    );
  }
  return steps;
}
