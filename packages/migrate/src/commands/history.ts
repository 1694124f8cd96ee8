import { withReader } from "../connection.js";
import type { HistoryRow } from "../reports.js";
import { isMissingTable } from "../state.js";
import type { EngineContext } from "../types.js";

interface HistoryRecord {
  id: string;
  revision: string;
  direction: HistoryRow["direction"];
  checksum: string | null;
  // Dates from a plain postgres.js client, strings from a pool that drizzle reconfigured.
  started_at: Date | string;
  finished_at: Date | string | null;
  duration_ms: number | null;
  applied_by: Record<string, unknown>;
  environment: string;
  status: HistoryRow["status"];
  error: string | null;
  backup_file: string | null;
}

/** Map a `tidemark.history` record to its JSON shape. */
export function toHistoryRow(r: HistoryRecord): HistoryRow {
  return {
    id: Number(r.id),
    revision: r.revision,
    direction: r.direction,
    checksum: r.checksum,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    durationMs: r.duration_ms,
    appliedBy: r.applied_by,
    environment: r.environment,
    status: r.status,
    error: r.error,
    backupFile: r.backup_file,
  };
}

/**
 * Newest-first rows of `tidemark.history`; empty before the first migration. `before` (a row
 * id) continues a page: only older rows are read, through the primary key.
 */
export async function history(
  ctx: EngineContext,
  options: { limit?: number; before?: number } = {},
): Promise<HistoryRow[]> {
  const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000));
  const before = options.before ?? null;
  return withReader(ctx, async (sql) => {
    try {
      const rows = await sql<HistoryRecord[]>`
        select * from "tidemark"."history"
        where ${before}::bigint is null or id < ${before}::bigint
        order by id desc limit ${limit}`;
      return rows.map(toHistoryRow);
    } catch (err) {
      if (isMissingTable(err)) return [];
      throw err;
    }
  });
}
