import type { Sql } from "../connection.js";
import { TidemarkError } from "../errors.js";
import { deleteDrizzleRow, insertDrizzleRow, recordHistory } from "../state.js";
import type { EngineContext } from "../types.js";
import type { Body } from "./body.js";
import type { HowItRan } from "./failure.js";
import { type Cursor, errorPosition, lineAt, locateFailure, statementInfo } from "./locate.js";
import { oneTripScript, runOneTrip, type StepRecord } from "./one-trip.js";
import { type OutsideProgress, runOutside } from "./outside.js";

/** One attempt at a step: what runs, how it is recorded, and where its progress is kept. */
export interface Attempt {
  sql: Sql;
  ctx: EngineContext;
  body: Body;
  record: StepRecord;
  cursor: Cursor;
  /** Survives retries, so a file that runs outside a transaction resumes where it stopped. */
  progress: OutsideProgress;
  /** The caller already opened a transaction around the whole plan (`--single-transaction`). */
  inTransaction: boolean;
}

/** How an attempt runs its body; decides what a failure report may claim stayed applied. */
export function howItRuns(attempt: Pick<Attempt, "body" | "progress" | "inTransaction">): HowItRan {
  if (attempt.inTransaction) return { kind: "caller-transaction" };
  if (attempt.body.kind === "outside") {
    return { kind: "outside", mode: attempt.body.mode, progress: attempt.progress };
  }
  return { kind: "one-transaction" };
}

/** The drizzle row and history row of a step, through bound parameters on an open transaction. */
async function bookkeeping(tx: Sql, record: StepRecord): Promise<void> {
  if (record.asyncCommit) await tx`set local synchronous_commit = off`;
  const m = record.migration;
  if (record.direction === "up") await insertDrizzleRow(tx, m);
  else await deleteDrizzleRow(tx, m.when);
  await recordHistory(tx, {
    revision: m.tag,
    direction: record.direction,
    checksum: m.checksum,
    startedAt: record.startedAt,
    finishedAt: new Date(),
    durationMs: Date.now() - record.startedAt.getTime(),
    appliedBy: record.appliedBy,
    environment: record.environment,
    status: "ok",
    error: null,
    backupFile: record.backupFile,
  });
}

/** Run the body with no transaction of its own: the caller's or the file's, statement by statement. */
async function runBodyIn(sql: Sql, body: Body, cursor: Cursor): Promise<void> {
  if (body.kind === "code") return body.run(sql);
  if (body.kind === "outside") {
    throw new TidemarkError(
      "TM_USAGE",
      `${body.file} runs outside a transaction (${body.mode.reason}), so it cannot run inside one.`,
    );
  }
  for (const [i, block] of body.blocks.entries()) {
    const at = statementInfo(body.file, i + 1, block.line, block.sql);
    cursor.at = at;
    await sql
      .unsafe(block.sql)
      .simple()
      .catch((err: unknown) => {
        const position = errorPosition(err);
        if (position) at.errorLine = lineAt(block.sql, block.line, position - 1);
        throw err;
      });
  }
  cursor.at = undefined;
}

/** Run one attempt of a step the one way its body and position call for. */
export async function runAttempt(attempt: Attempt): Promise<void> {
  const { sql, body, record, cursor } = attempt;
  if (attempt.inTransaction) {
    await runBodyIn(sql, body, cursor);
    return bookkeeping(sql, record);
  }
  if (body.kind === "outside") {
    return runOutside(sql, body.file, body.steps, attempt.progress, record, cursor);
  }
  if (body.kind === "sql") {
    const script = oneTripScript(body.blocks, record);
    await runOneTrip(sql, script).catch(async (err: unknown) => {
      await locateFailure(sql, body, script, cursor, err);
      throw err;
    });
    return;
  }
  await sql.begin(async (tx) => {
    await body.run(tx as unknown as Sql);
    await bookkeeping(tx as unknown as Sql, record);
  });
}
