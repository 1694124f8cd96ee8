import type { Sql } from "./connection.js";
import type { SqlBlock } from "./statements.js";
import type { Migration } from "./types.js";

/** What the bookkeeping of one step records, beside the migration's own statements. */
export interface StepRecord {
  migration: Migration;
  direction: "up" | "down";
  appliedBy: Record<string, unknown>;
  environment: string;
  startedAt: Date;
  backupFile: string | null;
  asyncCommit: boolean;
}

/** A SQL literal; `standard_conforming_strings` is forced on in the same script. */
function literal(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A transactional SQL migration, its drizzle row and its history row as one simple-protocol
 * query: one round trip per migration instead of one per statement, which is what keeps a
 * long history close to `psql -1 -f`. Blocks are joined with a newline before each `;` so a
 * trailing line comment cannot swallow the separator.
 */
export function oneTripScript(blocks: SqlBlock[], record: StepRecord): string {
  const m = record.migration;
  const started = `${literal(record.startedAt.toISOString())}::timestamptz`;
  const drizzleRow =
    record.direction === "up"
      ? `insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values (${literal(m.checksum)}, ${literal(m.when)})`
      : `delete from "drizzle"."__drizzle_migrations" where created_at = ${literal(m.when)}`;
  const historyRow = `insert into "tidemark"."history"
    (revision, direction, checksum, started_at, finished_at, duration_ms, applied_by, environment, status, error, backup_file)
    values (${literal(m.tag)}, ${literal(record.direction)}, ${literal(m.checksum)}, ${started}, clock_timestamp(),
      (extract(epoch from clock_timestamp() - ${started}) * 1000)::int, ${literal(JSON.stringify(record.appliedBy))}::jsonb,
      ${literal(record.environment)}, 'ok', NULL, ${literal(record.backupFile)})`;
  return [
    "begin",
    "set local standard_conforming_strings = on",
    ...(record.asyncCommit ? ["set local synchronous_commit = off"] : []),
    ...blocks.map((b) => b.sql),
    drizzleRow,
    historyRow,
    "commit",
  ].join("\n;\n");
}

/** Run a one-trip script; on failure end the aborted transaction before the caller looks closer. */
export async function runOneTrip(sql: Sql, script: string): Promise<void> {
  try {
    await sql.unsafe(script).simple();
  } catch (err) {
    await sql
      .unsafe("rollback")
      .simple()
      .catch(() => {});
    throw err;
  }
}
