import type { Sql } from "../connection.js";
import type { EngineContext, Migration, ProgressEvent, StepReport } from "../types.js";
import { type BatchItem, canBatch, type SqlBody } from "./batch.js";
import { runBatch } from "./batch-run.js";
import { type Body, loadBody } from "./body.js";
import { runStep, type StepPosition, stepRecord } from "./step.js";

/** How {@link runSteps} reports and stops. */
export interface RunStepsOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Checked between steps: true stops the run after the migrations in flight (graceful shutdown). */
  shouldStop?: () => boolean;
  /** Restore point recorded with every step's history row. */
  backupFile?: string;
}

/**
 * Batch sizes: doubled while batches come back quickly, cut when one is slow, so a long
 * history goes in a few round trips and a slow migration soon runs (and shows) on its own.
 */
const FIRST_BATCH = 8;
const MAX_BATCH = 128;
const QUICK_MS = 250;
const SLOW_MS = 1000;
/** A batch stops growing past this much SQL text, so one query stays a reasonable size. */
const MAX_BATCH_CHARS = 1_000_000;

export function nextBatchSize(size: number, elapsedMs: number): number {
  if (elapsedMs > SLOW_MS) return Math.max(1, Math.floor(size / 4));
  if (elapsedMs < QUICK_MS) return Math.min(MAX_BATCH, size * 2);
  return size;
}

/** Reads step bodies ahead of the run. A body that cannot be read is left to runStep, which reports it in order. */
function bodyReader(
  ctx: EngineContext,
  plan: Migration[],
  direction: "up" | "down",
  onProgress?: (event: ProgressEvent) => void,
) {
  const reads = new Map<number, Promise<Body | undefined>>();
  return (index: number): Promise<Body | undefined> => {
    let read = reads.get(index);
    if (!read) {
      read = loadBody(ctx, plan[index] as Migration, direction, onProgress).catch(() => undefined);
      reads.set(index, read);
    }
    return read;
  };
}

/**
 * Apply or revert `plan` one migration per transaction, in order, several transactions per
 * round trip where the files allow (executor/batch.ts). Only the last step waits for its WAL
 * flush, which makes every earlier commit durable too. Returns the steps that ran: fewer than
 * planned when shutdown was requested.
 */
export async function runSteps(
  sql: Sql,
  ctx: EngineContext,
  plan: Migration[],
  direction: "up" | "down",
  options: RunStepsOptions,
): Promise<StepReport[]> {
  const steps: StepReport[] = [];
  const read = bodyReader(ctx, plan, direction, options.onProgress);
  const stepAt = (index: number): StepPosition => ({
    index,
    total: plan.length,
    onProgress: options.onProgress,
    backupFile: options.backupFile,
    asyncCommit: index < plan.length - 1,
  });
  const emit = options.onProgress ?? (() => {});
  let size = FIRST_BATCH;
  let atMost = Number.POSITIVE_INFINITY;
  let batching: Promise<boolean> | undefined;
  while (steps.length < plan.length) {
    const first = steps.length;
    if (options.shouldStop?.()) {
      ctx.logger.warn({ next: plan[first]?.tag }, "stopping before the next migration: shutdown requested");
      break;
    }
    const items = await batchFrom(ctx, plan, direction, first, Math.min(size, atMost), read, stepAt);
    atMost = Number.POSITIVE_INFINITY;
    if (items.length > 1) batching ??= canBatch(sql);
    if (items.length < 2 || !(await batching)) {
      const m = plan[first] as Migration;
      steps.push(await runStep(sql, ctx, m, direction, stepAt(first), await read(first)));
      continue;
    }
    ctx.logger.debug({ first: plan[first]?.tag, count: items.length }, "sending migrations together");
    const t0 = performance.now();
    const outcome = await runBatch(sql, ctx, items, { first, stepAt, emit });
    steps.push(...outcome.done);
    atMost = outcome.nextAtMost ?? atMost;
    size = nextBatchSize(size, performance.now() - t0);
  }
  return steps;
}

/** Up to `limit` consecutive transactional SQL migrations from plan index `first`, bodies read in parallel. */
async function batchFrom(
  ctx: EngineContext,
  plan: Migration[],
  direction: "up" | "down",
  first: number,
  limit: number,
  read: (index: number) => Promise<Body | undefined>,
  stepAt: (index: number) => StepPosition,
): Promise<BatchItem[]> {
  // TypeScript migrations are imported only when they run: importing one runs its module's code.
  const indexes: number[] = [];
  for (let i = first; i < plan.length && indexes.length < limit && plan[i]?.kind === "sql"; i++)
    indexes.push(i);
  const bodies = await Promise.all(indexes.map(read));
  const items: BatchItem[] = [];
  let chars = 0;
  for (const [k, body] of bodies.entries()) {
    if (body?.kind !== "sql") break;
    chars += body.blocks.reduce((n, b) => n + b.sql.length, 0);
    if (items.length > 0 && chars > MAX_BATCH_CHARS) break;
    const index = indexes[k] as number;
    items.push({
      body: body as SqlBody,
      record: stepRecord(ctx, plan[index] as Migration, direction, stepAt(index)),
    });
  }
  return items;
}
