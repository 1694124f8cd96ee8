import type { Sql } from "../connection.js";
import type { EngineContext, ProgressEvent, StepReport } from "../types.js";
import { type BatchItem, buildBatch, sendBatch } from "./batch.js";
import { settleBatchFailure } from "./batch-failure.js";
import { type Cursor, locateFailure } from "./locate.js";
import { outsideProgress } from "./outside.js";
import { failStep, retriable, runStep, type StepPosition, stepDone, waitBeforeRetry } from "./step.js";

/** Where a batch sits in its run. */
export interface BatchPosition {
  /** Plan index of the batch's first migration. */
  first: number;
  /** The position of the migration at plan index `index`, for a step run on its own. */
  stepAt: (index: number) => StepPosition;
  emit: (event: ProgressEvent) => void;
}

/** What a batch did: the steps now applied, and a cap on the next batch when its head must go again. */
export interface BatchOutcome {
  done: StepReport[];
  /** Send at most this many next: PostgreSQL refused the query for a later migration's syntax. */
  nextAtMost?: number;
}

/**
 * Tells a batch's steps as PostgreSQL reaches them, with the same events a step sent alone
 * gets: migration k starting means k - 1 committed. Steps whose start was not heard live are
 * told when the batch ends, with the duration their history row recorded.
 */
function announcer(ctx: EngineContext, items: BatchItem[], at: BatchPosition) {
  const total = at.stepAt(at.first).total;
  const startedAt: number[] = [];
  const done: StepReport[] = [];
  const start = (k: number) => {
    startedAt[k] = performance.now();
    const tag = items[k]?.record.migration.tag ?? "";
    at.emit({ type: "step-start", revision: tag, index: at.first + k, total });
  };
  const finish = (k: number, recorded?: Map<string, number>) => {
    const { record, body } = items[k] as BatchItem;
    if (startedAt[k] === undefined) start(k);
    const live = Math.round(performance.now() - (startedAt[k] ?? 0));
    const durationMs = recorded?.get(record.migration.tag) ?? live;
    at.emit({ type: "step-done", revision: record.migration.tag, index: at.first + k, total, durationMs });
    done.push(stepDone(ctx, record.migration, record.direction, body, durationMs));
  };
  return {
    done,
    started: (k: number) => startedAt[k] !== undefined,
    /** Migration k began: every one before it committed. */
    onStart(k: number) {
      while (done.length < k) finish(done.length);
      if (startedAt[k] === undefined) start(k);
    },
    /** The first `count` migrations committed; `recorded` durations for those not heard live. */
    committed(count: number, recorded: Map<string, number>) {
      while (done.length < count)
        finish(done.length, startedAt[done.length] === undefined ? recorded : undefined);
    },
  };
}

/**
 * Run consecutive transactional migrations as one query (executor/batch.ts). On failure the
 * database says which committed; the failing migration is then reported exactly as a step on
 * its own would be (statement, line, what stayed, a history row), a lock timeout is retried
 * on its own, and migrations PostgreSQL never ran (a syntax error further on) are sent again.
 */
export async function runBatch(
  sql: Sql,
  ctx: EngineContext,
  items: BatchItem[],
  at: BatchPosition,
): Promise<BatchOutcome> {
  const told = announcer(ctx, items, at);
  const batch = buildBatch(items);
  const t0 = performance.now();
  try {
    const recorded = await sendBatch(sql, batch, (k) => told.onStart(k));
    told.committed(items.length, recorded);
    return { done: told.done };
  } catch (cause) {
    const direction = items[0]?.record.direction ?? "up";
    const failure = await settleBatchFailure(sql, ctx, batch, direction, cause);
    told.committed(failure.committed, failure.durations);
    if (failure.failed >= items.length) return { done: told.done };
    if (failure.failed > failure.committed) {
      return { done: told.done, nextAtMost: failure.failed - failure.committed };
    }
    const k = failure.committed;
    const item = items[k] as BatchItem;
    const position = { ...at.stepAt(at.first + k), announced: told.started(k), attemptsBefore: 1 };
    if (retriable(ctx, cause, 1)) {
      await waitBeforeRetry(ctx, item.record.migration, 1, at.emit);
      told.done.push(await runStep(sql, ctx, item.record.migration, direction, position, item.body));
      return { done: told.done };
    }
    // As for a step sent alone, the run's last event is the start of the migration that failed.
    if (!position.announced) told.onStart(k);
    const cursor: Cursor = {};
    const script = batch.scripts[k] ?? { sql: "", blockStarts: [] };
    await locateFailure(sql, item.body, script, cursor, cause, batch.starts[k]);
    const before = told.done.reduce((sum, s) => sum + s.durationMs, 0);
    const durationMs = Math.max(0, Math.round(performance.now() - t0) - before);
    const run = { sql, ctx, ...item, cursor, progress: outsideProgress(), inTransaction: false };
    throw await failStep(run, cause, 1, durationMs);
  }
}
