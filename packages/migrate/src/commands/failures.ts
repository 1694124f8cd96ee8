import type { Sql } from "../connection.js";
import type { MigrationState } from "../plan.js";
import type { HistoryRow } from "../reports.js";
import { isMissingTable } from "../state.js";
import { toHistoryRow } from "./history.js";

/** The newest failed run, and whether it still describes the database or was superseded. */
export interface FailureState {
  /** The newest failure when nothing has superseded it: the database's current problem. */
  current: HistoryRow | null;
  /** The newest failure when a later run or change superseded it: history, not state. */
  superseded: (HistoryRow & { supersededBecause: string }) | null;
}

/** Why `failure` no longer describes the database, or null when it still does. */
function supersededBecause(failure: HistoryRow, fixedLater: boolean, state: MigrationState): string | null {
  if (fixedLater) {
    return failure.direction === "restore"
      ? "a later restore succeeded"
      : `${failure.revision} ran ${failure.direction} successfully afterwards`;
  }
  const m = state.migrations.find((x) => x.tag === failure.revision);
  const applied = state.appliedMigrations.some((x) => x.tag === failure.revision);
  if (failure.direction === "up") {
    if (!m) return `${failure.revision} is no longer in the journal`;
    if (applied) return `${failure.revision} is applied now`;
    if (failure.checksum && m.checksum !== failure.checksum)
      return `${failure.revision} was changed since it failed`;
  }
  if (failure.direction === "down" && !applied) return `${failure.revision} is no longer applied`;
  return null;
}

/** Read the newest failure (one query) and decide whether it is current or superseded. */
export async function readFailureState(sql: Sql, state: MigrationState): Promise<FailureState> {
  let rows: (Parameters<typeof toHistoryRow>[0] & { fixed_later: boolean })[];
  try {
    rows = await sql`
      select h.*, exists (
        select 1 from "tidemark"."history" o
        where o.id > h.id and o.status = 'ok' and o.direction = h.direction
          and (o.revision = h.revision or h.direction = 'restore')
      ) as fixed_later
      from "tidemark"."history" h where h.status = 'failed' order by h.id desc limit 1`;
  } catch (err) {
    if (isMissingTable(err)) return { current: null, superseded: null };
    throw err;
  }
  const [row] = rows;
  if (!row) return { current: null, superseded: null };
  const failure = toHistoryRow(row);
  const because = supersededBecause(failure, row.fixed_later, state);
  return because
    ? { current: null, superseded: { ...failure, supersededBecause: because } }
    : { current: failure, superseded: null };
}
