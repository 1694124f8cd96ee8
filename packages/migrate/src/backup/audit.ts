import type { Sql } from "../connection.js";
import { type NewHistoryRow, recordHistory } from "../state.js";
import type { EngineContext } from "../types.js";

interface RawHistoryRow {
  revision: string;
  direction: NewHistoryRow["direction"];
  checksum: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  applied_by: Record<string, unknown> | string | null;
  environment: string;
  status: NewHistoryRow["status"];
  error: string | null;
  backup_file: string | null;
}

/** Every row of `tidemark.history` in append order; empty when the table does not exist. */
export async function readHistoryRows(sql: Sql): Promise<NewHistoryRow[]> {
  const [exists] = await sql<{ present: boolean }[]>`
    select to_regclass('tidemark.history') is not null as present`;
  if (!exists?.present) return [];
  const rows = await sql<RawHistoryRow[]>`
    select revision, direction, checksum, started_at, finished_at, duration_ms, applied_by,
           environment, status, error, backup_file
    from tidemark.history order by id`;
  return rows.map((r) => ({
    revision: r.revision,
    direction: r.direction,
    checksum: r.checksum,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    appliedBy: typeof r.applied_by === "string" ? JSON.parse(r.applied_by) : (r.applied_by ?? {}),
    environment: r.environment,
    status: r.status,
    error: r.error,
    backupFile: r.backup_file,
  }));
}

// Identity of an event independent of its id: re-appended rows get new ids, and a dump taken
// after an earlier restore holds such rows, so ids cannot tell "same event" apart.
function eventKey(r: NewHistoryRow): string {
  return JSON.stringify([r.startedAt.getTime(), r.revision, r.direction, r.status, r.checksum]);
}

/**
 * After a restore replaced `tidemark.history` with the dump's copy, append the events the
 * database had recorded that the dump does not hold (oldest first), then the restore itself,
 * in one transaction, so the audit trail survives. Returns how many rows were re-appended.
 */
export async function carryHistoryOver(
  sql: Sql,
  before: NewHistoryRow[],
  restoreRow: NewHistoryRow,
): Promise<number> {
  const conn = await sql.reserve();
  try {
    await conn.unsafe("begin");
    try {
      const restored = new Set((await readHistoryRows(conn)).map(eventKey));
      const missing = before.filter((r) => !restored.has(eventKey(r)));
      for (const row of missing) await recordHistory(conn, row);
      await recordHistory(conn, restoreRow);
      await conn.unsafe("commit");
      return missing.length;
    } catch (err) {
      await conn.unsafe("rollback");
      throw err;
    }
  } finally {
    conn.release();
  }
}

/** Record a failed restore in the audit trail, if there is one; never masks the restore's own error. */
export async function recordFailure(
  sql: Sql,
  row: Omit<NewHistoryRow, "finishedAt" | "durationMs" | "status">,
  ctx: EngineContext,
): Promise<void> {
  try {
    const [exists] = await sql<
      { present: boolean }[]
    >`select to_regclass('tidemark.history') is not null as present`;
    if (!exists?.present) return;
    const finishedAt = new Date();
    await recordHistory(sql, {
      ...row,
      finishedAt,
      durationMs: finishedAt.getTime() - row.startedAt.getTime(),
      status: "failed",
    });
  } catch (err) {
    ctx.logger.warn(
      { event: "restore.history_failed", err },
      "Could not record the failed restore in tidemark.history",
    );
  }
}
