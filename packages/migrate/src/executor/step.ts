import { engineDefaults } from "../config.js";
import { assertSessionAlive, type Sql, withDatabase } from "../connection.js";
import { LOCK_NOT_AVAILABLE, type TidemarkError } from "../errors.js";
import type { EngineContext, Migration, ProgressEvent, StepReport } from "../types.js";
import { type Body, loadBody } from "./body.js";
import { describeFailure, pgFields, recordFailure } from "./failure.js";
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
  /** Attempts already made elsewhere (a batch that hit a lock timeout): they count towards the retries. */
  attemptsBefore?: number;
  /** Its step-start event was already sent (by the batch it was part of). */
  announced?: boolean;
}

export function stepRecord(
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

/** Log, announce and wait out the back-off before retry `attempt + 1` of a step that hit lock_timeout. */
export async function waitBeforeRetry(
  ctx: EngineContext,
  m: Migration,
  attempt: number,
  emit: (event: ProgressEvent) => void,
): Promise<void> {
  const delayMs = 500 * 2 ** (attempt - 1);
  ctx.logger.warn({ revision: m.tag, attempt, delayMs }, "lock timeout, retrying");
  emit({ type: "retry", revision: m.tag, attempt, delayMs, reason: "lock_timeout" });
  await new Promise((r) => setTimeout(r, delayMs));
}

/** Whether a failed attempt may be retried: a lock timeout with retries left. */
export function retriable(ctx: EngineContext, cause: unknown, attempt: number): boolean {
  return (
    pgFields(cause).pgCode === LOCK_NOT_AVAILABLE &&
    attempt <= (ctx.lockRetries ?? engineDefaults.lockRetries)
  );
}

/** Log a finished step and build its report. */
export function stepDone(
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  body: Body,
  durationMs: number,
): StepReport {
  const verb = direction === "up" ? "applied" : "rolled back";
  ctx.logger.info({ revision: m.tag, direction, durationMs }, `migration ${verb}`);
  return { revision: m.tag, direction, durationMs, statements: body.statements };
}

/**
 * Apply or revert one migration with its bookkeeping (drizzle row + history row), retrying a
 * bounded number of times when a table lock cannot be taken within lock_timeout. A file that
 * runs outside a transaction resumes a retry at the statement that timed out. `loaded` is the
 * step's body when the caller read it already.
 */
export async function runStep(
  sql: Sql,
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  position: StepPosition,
  loaded?: Body,
): Promise<StepReport> {
  if (!position.inTransaction) assertSessionAlive(sql);
  const body = loaded ?? (await loadBody(ctx, m, direction, position.onProgress));
  const emit = position.onProgress ?? (() => {});
  if (!position.announced)
    emit({ type: "step-start", revision: m.tag, index: position.index, total: position.total });
  const progress = outsideProgress();
  const inTransaction = Boolean(position.inTransaction);
  if (body.kind === "outside" && !inTransaction) await dropInterruptedIndexes(sql, ctx, m, body.text);
  for (let attempt = (position.attemptsBefore ?? 0) + 1; ; attempt++) {
    const cursor: Cursor = {};
    const record = stepRecord(ctx, m, direction, position);
    const t0 = performance.now();
    const run: Attempt = { sql, ctx, body, record, cursor, progress, inTransaction };
    try {
      await runAttempt(run);
      const durationMs = Math.round(performance.now() - t0);
      emit({ type: "step-done", revision: m.tag, index: position.index, total: position.total, durationMs });
      return stepDone(ctx, m, direction, body, durationMs);
    } catch (cause) {
      if (retriable(ctx, cause, attempt)) {
        await waitBeforeRetry(ctx, m, attempt, emit);
        continue;
      }
      throw await failStep(run, cause, attempt, Math.round(performance.now() - t0));
    }
  }
}

/**
 * The report of a failed attempt, recorded in tidemark.history (inside a caller's transaction
 * the session is aborted: the caller records after its rollback).
 */
export async function failStep(
  run: Attempt,
  cause: unknown,
  attempt: number,
  durationMs: number,
): Promise<TidemarkError> {
  const { migration: m, direction } = run.record;
  const err = await describeFailure(run.sql, m, direction, cause, run.cursor, {
    attempt,
    how: howItRuns(run),
  });
  if (!run.inTransaction) await recordStepFailure(run.sql, run.ctx, run, err, durationMs);
  return err;
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
