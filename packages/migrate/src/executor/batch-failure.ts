import { type Sql, withDatabase } from "../connection.js";
import { isConnectionLost, TidemarkError } from "../errors.js";
import { readApplied } from "../state.js";
import type { EngineContext } from "../types.js";
import { type Batch, itemAt } from "./batch.js";
import { errorPosition } from "./locate.js";

/** What a failed batch left behind, read back from the database rather than assumed. */
export interface BatchFailure {
  /** How many migrations at the head of the batch committed. */
  committed: number;
  /** Their durations as their history rows recorded them. */
  durations: Map<string, number>;
  /**
   * The migration the error belongs to. Equal to `committed` when that one ran and failed;
   * greater when PostgreSQL refused the whole query at parse time (nothing in it ran) because of
   * a syntax error in this later migration; `items.length` when everything committed after all.
   */
  failed: number;
}

/** The batch's leading migrations that are now applied (up) or no longer applied (down). */
async function committedHead(sql: Sql, batch: Batch, direction: "up" | "down") {
  const applied = new Set((await readApplied(sql)).map((r) => r.createdAt));
  let count = 0;
  for (const item of batch.items) {
    if (applied.has(item.record.migration.when) !== (direction === "up")) break;
    count++;
  }
  const tags = batch.items.slice(0, count).map((item) => item.record.migration.tag);
  const rows = tags.length
    ? await sql<{ revision: string; duration_ms: number }[]>`
        select distinct on (revision) revision, duration_ms from "tidemark"."history"
        where revision in ${sql(tags)} and direction = ${direction} and status = 'ok'
        order by revision, id desc`
    : [];
  return { count, durations: new Map(rows.map((r) => [r.revision, r.duration_ms])) };
}

/** The connection died mid-batch and no fresh one could read what committed: say only that. */
function unknownOutcome(batch: Batch, direction: "up" | "down", cause: unknown): TidemarkError {
  const first = batch.items[0]?.record.migration.tag;
  const last = batch.items.at(-1)?.record.migration.tag;
  const reason = (cause as { message?: string }).message ?? "connection closed";
  const verb = direction === "up" ? "upgrade" : "rollback";
  return new TidemarkError(
    "TM_SESSION_LOST",
    `The connection to PostgreSQL was lost (${reason}) while migrations ${first} to ${last} ran, each in its own transaction, and the database could not be reached again to read which of them committed. Once it is reachable, run status to see what is applied, then run ${verb} again.`,
    { cause, details: { revision: first, through: last, direction } },
  );
}

/**
 * After a batch failed: which of its migrations committed (read on the same session, or on a
 * fresh one when the session died) and which one the error belongs to.
 */
export async function settleBatchFailure(
  sql: Sql,
  ctx: EngineContext,
  batch: Batch,
  direction: "up" | "down",
  cause: unknown,
): Promise<BatchFailure> {
  const lost = isConnectionLost(cause);
  const read = (s: Sql) => committedHead(s, batch, direction);
  const head = lost ? await withDatabase(ctx.databaseUrl, read).catch(() => undefined) : await read(sql);
  if (!head) throw unknownOutcome(batch, direction, cause);
  const named = itemAt(batch, errorPosition(cause));
  const failed = named !== undefined && named > head.count ? named : head.count;
  return { committed: head.count, durations: head.durations, failed };
}
