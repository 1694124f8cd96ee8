import { randomBytes } from "node:crypto";
import type { Sql } from "../connection.js";
import type { SqlBlock } from "../statements.js";
import type { Migration } from "../types.js";

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

/** A one-trip script and where each block starts in it, to map PostgreSQL's error position back. */
export interface OneTripScript {
  sql: string;
  /** Offset of each block in `sql`, in characters (code points), as PostgreSQL counts positions. */
  blockStarts: number[];
}

/**
 * A SQL literal. Dollar-quoted with a random tag, because the whole script is lexed before any
 * of it runs: a `SET standard_conforming_strings` inside it could not change how `\` in an
 * ordinary '…' literal is read on a database where that setting is off.
 */
function literal(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  for (;;) {
    const tag = `$tm${randomBytes(6).toString("hex")}$`;
    if (!value.includes(tag)) return `${tag}${value}${tag}`;
  }
}

/** Characters (code points) in `text`: PostgreSQL's error positions count these, not UTF-16 units. */
export function codePoints(text: string): number {
  let surrogates = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) surrogates++;
  }
  return text.length - surrogates;
}

/** The bookkeeping statements of one step: its drizzle row and its history row. */
export function bookkeepingSql(record: StepRecord): string[] {
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
  return [drizzleRow, historyRow];
}

const SEPARATOR = "\n;\n";

/**
 * A transactional SQL migration, its drizzle row and its history row as one simple-protocol
 * query: one round trip per migration instead of one per statement, which is what keeps a
 * long history close to `psql -1 -f`. Blocks are joined with a newline before each `;` so a
 * trailing line comment cannot swallow the separator. With no blocks it is the bookkeeping of
 * a file that ran outside a transaction: its `begin` then also joins (and its `commit` ends) a
 * transaction the file opened and left open, as drizzle-orm's final COMMIT would.
 */
export function oneTripScript(blocks: SqlBlock[], record: StepRecord): OneTripScript {
  const head = ["begin", ...(record.asyncCommit ? ["set local synchronous_commit = off"] : [])];
  const parts = [...head, ...blocks.map((b) => b.sql), ...bookkeepingSql(record), "commit"];
  const blockStarts: number[] = [];
  let at = 0;
  for (const [i, part] of parts.entries()) {
    if (i >= head.length && i < head.length + blocks.length) blockStarts.push(at);
    at += codePoints(part) + SEPARATOR.length;
  }
  return { sql: parts.join(SEPARATOR), blockStarts };
}

/** Run a one-trip script; on failure end the aborted transaction before the caller looks closer. */
export async function runOneTrip(sql: Sql, script: OneTripScript): Promise<void> {
  try {
    await sql.unsafe(script.sql).simple();
  } catch (err) {
    await sql
      .unsafe("rollback")
      .simple()
      .catch(() => {});
    throw err;
  }
}
