import type { Node } from "libpg-query";
import { type LineIndex, type ParsedSource, parseSource, type SourceStatement } from "./lint/source.js";

/**
 * How a migration file runs: in one transaction with its bookkeeping (the default, and what
 * keeps a failed file from leaving half its work behind), or statement by statement on an
 * autocommit session, as drizzle-orm's migrate() ends up running a file that commits itself.
 */
export type RunMode =
  | { transactional: true }
  | {
      transactional: false;
      /** What forces it out, e.g. `COMMIT` or `DROP INDEX CONCURRENTLY`, for messages. */
      reason: string;
      /** 1-based line of the statement that forces it out (absent for the directive). */
      line?: number;
    };

const NO_TRANSACTION = "tidemark:no-transaction";

/**
 * Words without which no statement can control transactions or refuse a transaction block.
 * Files without any of them (nearly every generated migration) are never parsed, so the
 * parser's load and parse time stays off ordinary upgrades. A hit only means "parse to know".
 */
const MAY_RUN_OUTSIDE =
  /\b(?:begin|start\s+transaction|commit|end|rollback|abort|call|prepare|concurrently|vacuum|database|tablespace|system|subscription|discard|cluster|reindex)\b/i;

/**
 * True when a leading comment line of the file is `-- tidemark:no-transaction` (ARCHITECTURE.md,
 * Invariants: "How a migration runs"). Not only the first line: an adopted down keeps its
 * `-- tidemark:unverified` marker there.
 */
export function hasNoTransactionDirective(sql: string): boolean {
  for (const raw of sql.replace(/^\uFEFF/, "").split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("--")) return false;
    if (line.slice(2).trim().startsWith(NO_TRANSACTION)) return true;
  }
  return false;
}

/** The cheap pre-check: false means the file certainly runs in a transaction, without parsing. */
export function mayRunOutside(sql: string): boolean {
  return MAY_RUN_OUTSIDE.test(sql);
}

/** Transaction control that ends, starts or finishes a transaction (savepoints do not). */
const ENDS_OR_STARTS = new Set([
  "TRANS_STMT_BEGIN",
  "TRANS_STMT_START",
  "TRANS_STMT_COMMIT",
  "TRANS_STMT_ROLLBACK",
  "TRANS_STMT_PREPARE",
  "TRANS_STMT_COMMIT_PREPARED",
  "TRANS_STMT_ROLLBACK_PREPARED",
]);

const hasConcurrently = (params?: Node[]) =>
  (params ?? []).some((p) => "DefElem" in p && p.DefElem.defname === "concurrently");

/**
 * Why PostgreSQL would not run this statement inside a migration's transaction: it controls
 * transactions itself (a procedure may COMMIT) or refuses a transaction block. Undefined: fine.
 */
export function outsideReason(node: Node): string | undefined {
  if ("TransactionStmt" in node) {
    const kind = node.TransactionStmt.kind ?? "";
    return ENDS_OR_STARTS.has(kind) ? kind.replace("TRANS_STMT_", "").replace("_", " ") : undefined;
  }
  if ("CallStmt" in node) return "CALL";
  if ("IndexStmt" in node) return node.IndexStmt.concurrent ? "CREATE INDEX CONCURRENTLY" : undefined;
  if ("DropStmt" in node) return node.DropStmt.concurrent ? "DROP INDEX CONCURRENTLY" : undefined;
  if ("ReindexStmt" in node) {
    const { kind, params } = node.ReindexStmt;
    if (hasConcurrently(params)) return "REINDEX CONCURRENTLY";
    return kind === "REINDEX_OBJECT_DATABASE" || kind === "REINDEX_OBJECT_SYSTEM" ? "REINDEX" : undefined;
  }
  if ("VacuumStmt" in node) return node.VacuumStmt.is_vacuumcmd ? "VACUUM" : undefined;
  if ("AlterTableStmt" in node) {
    const detach = (node.AlterTableStmt.cmds ?? []).some(
      (c) =>
        "AlterTableCmd" in c &&
        c.AlterTableCmd.subtype === "AT_DetachPartition" &&
        c.AlterTableCmd.def !== undefined &&
        "PartitionCmd" in c.AlterTableCmd.def &&
        c.AlterTableCmd.def.PartitionCmd.concurrent === true,
    );
    return detach ? "DETACH PARTITION CONCURRENTLY" : undefined;
  }
  if ("AlterDatabaseStmt" in node) {
    return hasTablespace(node.AlterDatabaseStmt.options) ? "ALTER DATABASE SET TABLESPACE" : undefined;
  }
  if ("DiscardStmt" in node) return node.DiscardStmt.target === "DISCARD_ALL" ? "DISCARD ALL" : undefined;
  if ("ClusterStmt" in node) return node.ClusterStmt.relation ? undefined : "CLUSTER";
  return WHOLE_STATEMENTS[Object.keys(node)[0] ?? ""];
}

const hasTablespace = (options?: Node[]) =>
  (options ?? []).some((o) => "DefElem" in o && o.DefElem.defname === "tablespace");

/** Statement kinds that never run in a transaction block, whatever their options. */
const WHOLE_STATEMENTS: Record<string, string> = {
  CreatedbStmt: "CREATE DATABASE",
  DropdbStmt: "DROP DATABASE",
  AlterSystemStmt: "ALTER SYSTEM",
  CreateTableSpaceStmt: "CREATE TABLESPACE",
  DropTableSpaceStmt: "DROP TABLESPACE",
  CreateSubscriptionStmt: "CREATE SUBSCRIPTION",
  DropSubscriptionStmt: "DROP SUBSCRIPTION",
};

/** The run mode of a file already parsed (lint parses every file anyway). */
export function runModeOfParsed(sql: string, parsed: ParsedSource | undefined): RunMode {
  if (hasNoTransactionDirective(sql)) return { transactional: false, reason: `-- ${NO_TRANSACTION}` };
  // A file PostgreSQL cannot parse fails as a whole in one transaction: nothing of it runs.
  if (!parsed?.ok) return { transactional: true };
  for (const stmt of parsed.statements) {
    const reason = outsideReason(stmt.node);
    if (reason) return { transactional: false, reason, line: ownText(stmt, parsed.lines).line };
  }
  return { transactional: true };
}

/** The run mode of a file, parsing it only when the cheap pre-check says it might run outside. */
export async function runModeOf(sql: string): Promise<{ mode: RunMode; parsed?: ParsedSource }> {
  if (hasNoTransactionDirective(sql) || mayRunOutside(sql)) {
    const parsed = await parseSource(sql);
    return { mode: runModeOfParsed(sql, parsed), parsed };
  }
  return { mode: { transactional: true } };
}

/** Offset (in UTF-16 units) of the first character of `text` that is neither blank nor comment. */
export function codeStart(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (text.startsWith("--", i)) {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? text.length : eol + 1;
    } else if (text.startsWith("/*", i)) {
      const close = text.indexOf("*/", i + 2);
      i = close === -1 ? text.length : close + 2;
    } else return i;
  }
}

/** A statement's own text (from its first token) and the 1-based file line it starts on. */
export function ownText(stmt: SourceStatement, lines: LineIndex): { sql: string; line: number } {
  // The parser's statement offset includes the blanks and comments after the previous `;`.
  const raw = lines.slice(stmt.start, stmt.end);
  const at = codeStart(raw);
  return { sql: raw.slice(at).trimEnd(), line: lines.lineOf(stmt.start) + countNewlines(raw, at) };
}

/** Newlines in `text` before offset `end`. */
export function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Whether a migration's SQL runs outside a transaction: the same rule the executor applies. */
export async function runsOutsideTransaction(sql: string): Promise<boolean> {
  return !(await runModeOf(sql)).mode.transactional;
}
