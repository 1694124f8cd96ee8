import type { Sql } from "../connection.js";
import type { SqlStatement } from "../statements.js";
import { type Cursor, errorPosition, lineAt, statementInfo } from "./locate.js";
import { oneTripScript, runOneTrip, type StepRecord } from "./one-trip.js";

/**
 * What a file that runs outside a transaction has done so far. Kept across lock-timeout
 * retries, so a retry resumes where the file stopped instead of repeating committed work.
 */
export interface OutsideProgress {
  /** Index into the steps of the next statement to run. */
  next: number;
  /** Statements that ran and are committed (on their own, or by the file's own COMMIT). */
  kept: number[];
  /** Statements run since the file's own BEGIN, committed only when it commits. */
  open: number[];
  /** Index of the file's own open BEGIN, where a retry has to resume. */
  openedAt?: number;
  /** Statements undone by the file's own ROLLBACK, or by the failure inside its own BEGIN. */
  undone: number[];
}

/** A fresh progress record for one step. */
export function outsideProgress(): OutsideProgress {
  return { next: 0, kept: [], open: [], undone: [] };
}

function track(progress: OutsideProgress, step: SqlStatement, index: number): void {
  if (step.control === "begin" && progress.openedAt === undefined) {
    progress.openedAt = index;
    progress.open = [step.number];
  } else if (progress.openedAt !== undefined && step.control === "commit") {
    progress.kept.push(...progress.open, step.number);
    progress.open = [];
    progress.openedAt = undefined;
  } else if (progress.openedAt !== undefined && step.control === "rollback") {
    progress.undone.push(...progress.open);
    progress.kept.push(step.number);
    progress.open = [];
    progress.openedAt = undefined;
  } else if (progress.openedAt !== undefined) progress.open.push(step.number);
  else progress.kept.push(step.number);
}

/**
 * Run a file statement by statement on the autocommit session, then write its bookkeeping.
 * This is the end result drizzle-orm's migrate() reaches for such a file: each statement
 * after the file's own COMMIT commits by itself, and a BEGIN the file leaves open is
 * committed together with the bookkeeping rows, as drizzle's final COMMIT commits it.
 */
export async function runOutside(
  sql: Sql,
  file: string,
  steps: SqlStatement[],
  progress: OutsideProgress,
  record: StepRecord,
  cursor: Cursor,
): Promise<void> {
  for (; progress.next < steps.length; progress.next++) {
    const step = steps[progress.next] as SqlStatement;
    cursor.at = statementInfo(file, step.number, step.line, step.sql);
    try {
      await sql.unsafe(step.sql).simple();
    } catch (err) {
      await abandonOpenBlock(sql, progress);
      const position = errorPosition(err);
      if (position && cursor.at) cursor.at.errorLine = lineAt(step.sql, step.line, position - 1);
      throw err;
    }
    track(progress, step, progress.next);
  }
  cursor.at = undefined;
  try {
    await runOneTrip(sql, oneTripScript([], record));
  } catch (err) {
    // The failed bookkeeping rolled back whatever the file's own open BEGIN held.
    await abandonOpenBlock(sql, progress);
    throw err;
  }
  progress.kept.push(...progress.open);
  progress.open = [];
}

/** After a failure: end the file's own aborted BEGIN (its statements are lost) and resume at it. */
async function abandonOpenBlock(sql: Sql, progress: OutsideProgress): Promise<void> {
  await sql
    .unsafe("rollback")
    .simple()
    .catch(() => {});
  if (progress.openedAt === undefined) return;
  progress.undone.push(...progress.open);
  progress.next = progress.openedAt;
  progress.open = [];
  progress.openedAt = undefined;
}
