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

/** The custom setting a step's transaction stamps its start in, read back by its history row. */
const STARTED_SETTING = "tidemark.step_started";

/** Column names of the history row a script returns per step (see {@link bookkeepingSql}). */
export const STEP_REVISION = "tidemark_step_revision";
export const STEP_DURATION = "tidemark_step_duration_ms";

/**
 * When the step started, as SQL. A step whose statements run in the same script stamps its start
 * on the server, so each migration of a batch (executor/batch.ts) gets its own start time; a
 * `RESET ALL` in the migration falls back to the script's receipt time. A bookkeeping-only
 * script (a file that ran outside a transaction) uses the client's start.
 */
function startedAt(record: StepRecord, stampedOnServer: boolean): string {
  if (!stampedOnServer) return `${literal(record.startedAt.toISOString())}::timestamptz`;
  return `coalesce(nullif(current_setting('${STARTED_SETTING}', true), '')::timestamptz, statement_timestamp())`;
}

/** The bookkeeping statements of one step: its drizzle row and its history row. */
export function bookkeepingSql(record: StepRecord, stampedOnServer = false): string[] {
  const m = record.migration;
  const started = startedAt(record, stampedOnServer);
  const drizzleRow =
    record.direction === "up"
      ? `insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values (${literal(m.checksum)}, ${literal(m.when)})`
      : `delete from "drizzle"."__drizzle_migrations" where created_at = ${literal(m.when)}`;
  // The aliased RETURNING lets a batch read each step's duration out of its results.
  const historyRow = `insert into "tidemark"."history"
    (revision, direction, checksum, started_at, finished_at, duration_ms, applied_by, environment, status, error, backup_file)
    values (${literal(m.tag)}, ${literal(record.direction)}, ${literal(m.checksum)}, ${started}, clock_timestamp(),
      (extract(epoch from clock_timestamp() - ${started}) * 1000)::int, ${literal(JSON.stringify(record.appliedBy))}::jsonb,
      ${literal(record.environment)}, 'ok', NULL, ${literal(record.backupFile)})
    returning revision as ${STEP_REVISION}, duration_ms as ${STEP_DURATION}`;
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
export function oneTripScript(blocks: SqlBlock[], record: StepRecord, announce?: string): OneTripScript {
  const stamped = blocks.length > 0;
  const head = [
    "begin",
    ...(stamped ? [stampStart(announce)] : []),
    ...(record.asyncCommit ? ["set local synchronous_commit = off"] : []),
  ];
  const parts = [...head, ...blocks.map((b) => b.sql), ...bookkeepingSql(record, stamped), "commit"];
  const blockStarts: number[] = [];
  let at = 0;
  for (const [i, part] of parts.entries()) {
    if (i >= head.length && i < head.length + blocks.length) blockStarts.push(at);
    at += codePoints(part) + SEPARATOR.length;
  }
  return { sql: parts.join(SEPARATOR), blockStarts };
}

/**
 * The statement that stamps a step's start. With `announce` (a batch's `[0-9a-z -]` marker) it
 * also raises it as a notice, which PostgreSQL sends at once, mid-query: how a batch tells its
 * progress as it goes (executor/batch.ts). Notices are turned on for the step's transaction so
 * a database that mutes them (client_min_messages) still sends it.
 */
function stampStart(announce?: string): string {
  const stamp = `set_config('${STARTED_SETTING}', clock_timestamp()::text, true)`;
  if (announce === undefined) return `select ${stamp}`;
  if (!/^[0-9a-z -]+$/.test(announce)) throw new Error(`not a batch marker: ${announce}`);
  return `do $tidemark$ begin perform ${stamp}; perform set_config('client_min_messages', 'notice', true); raise notice '${announce}'; end $tidemark$`;
}

/** Several one-trip scripts as one query, each still its own transaction (executor/batch.ts). */
export function joinScripts(scripts: OneTripScript[]): { sql: string; starts: number[] } {
  const starts: number[] = [];
  let at = 0;
  for (const script of scripts) {
    starts.push(at);
    at += codePoints(script.sql) + SEPARATOR.length;
  }
  return { sql: scripts.map((s) => s.sql).join(SEPARATOR), starts };
}

/**
 * Run a one-trip script (or a batch of them) and return the driver's result; on failure end the
 * aborted transaction before the caller looks closer.
 */
export async function runOneTrip(sql: Sql, script: Pick<OneTripScript, "sql">): Promise<unknown> {
  try {
    return await sql.unsafe(script.sql).simple();
  } catch (err) {
    await sql
      .unsafe("rollback")
      .simple()
      .catch(() => {});
    throw err;
  }
}
