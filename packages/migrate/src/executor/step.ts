import { engineDefaults } from "../config.js";
import { assertSessionAlive, type Sql, withDatabase } from "../connection.js";
import type { TidemarkError } from "../errors.js";
import type { EngineContext, Migration, ProgressEvent, StepReport } from "../types.js";
import { loadBody } from "./body.js";
import { describeFailure, LOCK_NOT_AVAILABLE, pgFields, recordFailure } from "./failure.js";
import { dropInterruptedIndexes } from "./indexes.js";
import type { Cursor } from "./locate.js";
import type { StepRecord } from "./one-trip.js";
import { outsideProgress } from "./outside.js";
import { type Attempt, howItRuns, runAttempt } from "./runners.js";

export type { CodeMigrationContext } from "./body.js";
export { recordFailure };

/** Where a step sits in its run, for progress events and commit tuning. */
export interface StepPosition {
  index: number;
  total: number;
  /** Restore point recorded with the step's history row. */
  backupFile?: string;
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Commit without waiting for the WAL flush: safe because the run's last commit is synchronous
   * and flushes every earlier one with it, and each step commits atomically with its bookkeeping.
   */
  asyncCommit?: boolean;
  /** The caller already opened a transaction around the whole plan (`--single-transaction`). */
  inTransaction?: boolean;
}

function stepRecord(
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  position: StepPosition,
): StepRecord {
  return {
    migration: m,
    direction,
    appliedBy: { ...ctx.actor },
    environment: ctx.environment,
    startedAt: new Date(),
    backupFile: position.backupFile ?? null,
    asyncCommit: Boolean(position.asyncCommit),
  };
}

/**
 * Apply or revert one migration with its bookkeeping (drizzle row + history row), retrying a
 * bounded number of times when a table lock cannot be taken within lock_timeout. A file that
 * runs outside a transaction resumes a retry at the statement that timed out.
 */
export async function runStep(
  sql: Sql,
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  position: StepPosition,
): Promise<StepReport> {
  if (!position.inTransaction) assertSessionAlive(sql);
  const body = await loadBody(ctx, m, direction, position.onProgress);
  const retries = ctx.lockRetries ?? engineDefaults.lockRetries;
  const emit = position.onProgress ?? (() => {});
  emit({ type: "step-start", revision: m.tag, index: position.index, total: position.total });
  const progress = outsideProgress();
  const inTransaction = Boolean(position.inTransaction);
  if (body.kind === "outside" && !inTransaction) await dropInterruptedIndexes(sql, ctx, m, body.text);
  for (let attempt = 1; ; attempt++) {
    const cursor: Cursor = {};
    const record = stepRecord(ctx, m, direction, position);
    const t0 = performance.now();
    const run: Attempt = { sql, ctx, body, record, cursor, progress, inTransaction };
    try {
      await runAttempt(run);
      const durationMs = Math.round(performance.now() - t0);
      emit({ type: "step-done", revision: m.tag, index: position.index, total: position.total, durationMs });
      const verb = direction === "up" ? "applied" : "rolled back";
      ctx.logger.info({ revision: m.tag, direction, durationMs }, `migration ${verb}`);
      return { revision: m.tag, direction, durationMs, statements: body.statements };
    } catch (cause) {
      if (pgFields(cause).pgCode === LOCK_NOT_AVAILABLE && attempt <= retries) {
        const delayMs = 500 * 2 ** (attempt - 1);
        ctx.logger.warn({ revision: m.tag, attempt, delayMs }, "lock timeout, retrying");
        emit({ type: "retry", revision: m.tag, attempt, delayMs, reason: "lock_timeout" });
        await new Promise((r) => setTimeout(r, delayMs));
        continue;
      }
      const how = howItRuns(run);
      const err = await describeFailure(sql, m, direction, cause, cursor, { attempt, how });
      // Inside a caller's transaction the session is aborted; the caller records after its rollback.
      if (!inTransaction) await recordStepFailure(sql, ctx, run, err, Math.round(performance.now() - t0));
      throw err;
    }
  }
}

/** Record a failed step; a dead session cannot record anything, so that goes through a fresh one. */
async function recordStepFailure(
  sql: Sql,
  ctx: EngineContext,
  run: Attempt,
  err: TidemarkError,
  durationMs: number,
): Promise<void> {
  const { migration: m, direction, startedAt, backupFile } = run.record;
  const info = { startedAt, durationMs, backupFile: backupFile ?? undefined };
  if (err.code !== "TM_SESSION_LOST") return recordFailure(sql, ctx, m, direction, err, info);
  await withDatabase(ctx.databaseUrl, (fresh) => recordFailure(fresh, ctx, m, direction, err, info)).catch(
    () => ctx.logger.error({ revision: m.tag }, "could not record the failure: database unreachable"),
  );
}
