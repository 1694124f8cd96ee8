import type { Sql } from "../connection.js";
import { connectionLostCodes, LOCK_NOT_AVAILABLE } from "../errors.js";
import { codeStart, countNewlines } from "../run-mode.js";
import type { SqlBlock } from "../statements.js";
import { codePoints, type OneTripScript } from "./one-trip.js";

/** Which statement of which file failed, for the failure report. */
export interface StatementInfo {
  file: string;
  /** 1-based statement number (a breakpoint block of a transactional file). */
  statementIndex: number;
  /** File line where the statement's own SQL starts. */
  line: number;
  /** File line of PostgreSQL's error position, when it reported one. */
  errorLine?: number;
  statement: string;
}

/** The statement running right now; read when a step fails, since the driver's error may not be its own. */
export interface Cursor {
  at?: StatementInfo;
}

/** PostgreSQL's 1-based error position (in characters of the query text sent), if any. */
export function errorPosition(err: unknown): number | undefined {
  const position = Number((err as { position?: string | number }).position);
  return Number.isInteger(position) && position > 0 ? position : undefined;
}

/** UTF-16 index of the `chars`-th code point of `text`. */
function indexOfCodePoint(text: string, chars: number): number {
  let i = 0;
  for (let n = 0; n < chars && i < text.length; n++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return i;
}

/** File line of a character offset into a statement's text whose own first line is `line`. */
export function lineAt(text: string, line: number, chars: number): number {
  const firstLine = line - countNewlines(text, codeStart(text));
  return firstLine + countNewlines(text, indexOfCodePoint(text, chars));
}

/** Describe a statement for the report (long statements cut short). */
export function statementInfo(file: string, index: number, line: number, sql: string): StatementInfo {
  const statement = sql.slice(codeStart(sql));
  return {
    file,
    statementIndex: index,
    line,
    statement: statement.length > 500 ? `${statement.slice(0, 500)}…` : statement,
  };
}

/** Name the failing block from the error position PostgreSQL reported in the one-trip script. */
function locateByPosition(file: string, blocks: SqlBlock[], script: OneTripScript, position: number) {
  const at = position - 1;
  for (const [i, block] of blocks.entries()) {
    const start = script.blockStarts[i] ?? Number.POSITIVE_INFINITY;
    // Up to the separator after the block: "at end of input" errors point just past its text.
    if (at < start || at > start + codePoints(block.sql) + 1) continue;
    const info = statementInfo(file, i + 1, block.line, block.sql);
    return { ...info, errorLine: lineAt(block.sql, block.line, at - start) };
  }
  return undefined;
}

/**
 * The one-trip script failed as a whole: name the statement. PostgreSQL's error position
 * does it without running anything; errors without one (constraint violations, runtime
 * errors) are found by replaying the blocks in a transaction that is always rolled back —
 * only for files whose parse tree holds no transaction control, so the replay cannot commit.
 * Not for lost sessions or lock timeouts, where the replay would only fail or wait again.
 * `offset` is where the script starts in the query sent, when it was sent as part of a batch.
 */
export async function locateFailure(
  sql: Sql,
  body: { file: string; blocks: SqlBlock[]; replaySafe: boolean },
  script: OneTripScript,
  cursor: Cursor,
  err: unknown,
  offset = 0,
): Promise<void> {
  const code = String((err as { code?: string }).code);
  if (connectionLostCodes.has(code) || code === LOCK_NOT_AVAILABLE) return;
  const sent = errorPosition(err);
  const position = sent !== undefined && sent > offset ? sent - offset : undefined;
  cursor.at = position ? locateByPosition(body.file, body.blocks, script, position) : undefined;
  if (cursor.at || !body.replaySafe) return;
  const replayed = new Error("replay done");
  await sql
    .begin(async (tx) => {
      for (const [i, block] of body.blocks.entries()) {
        cursor.at = statementInfo(body.file, i + 1, block.line, block.sql);
        await tx.unsafe(block.sql).simple();
      }
      cursor.at = undefined;
      throw replayed;
    })
    .catch(() => {});
}
