import type { DoStmt, Node } from "libpg-query";
import { pgParser } from "../pg-parser.js";

/** A SQL statement a DO block runs, with its line inside the block's body (0 = the DO line). */
export interface DoBlockStatement {
  node: Node;
  lineOffset: number;
  text: string;
}

/**
 * The static SQL statements inside an anonymous `DO` block. Unlike a function body, a DO block
 * runs during the migration, so what it executes is checked like top-level SQL. The body is
 * parsed with PL/pgSQL's own parser; dynamic `EXECUTE` strings cannot be seen and are skipped.
 */
export function doBlockStatements(stmt: DoStmt): DoBlockStatement[] {
  let body: string | undefined;
  let language = "plpgsql";
  for (const arg of stmt.args ?? []) {
    if (!("DefElem" in arg)) continue;
    const value = arg.DefElem.arg && "String" in arg.DefElem.arg ? arg.DefElem.arg.String.sval : undefined;
    if (arg.DefElem.defname === "as") body = value;
    if (arg.DefElem.defname === "language" && value) language = value;
  }
  if (body === undefined || language !== "plpgsql") return [];
  const tag = uniqueTag(body);
  let tree: unknown;
  try {
    tree = pgParser().parsePlPgSQLSync(
      `CREATE FUNCTION tidemark_do() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}`,
    );
  } catch {
    return []; // PostgreSQL reports the error when the block runs; lint cannot say more.
  }
  const found: DoBlockStatement[] = [];
  for (const { query, lineno } of execSqlOf(tree)) {
    try {
      for (const raw of pgParser().parseSync(query).stmts ?? []) {
        if (raw.stmt) found.push({ node: raw.stmt, lineOffset: Math.max(0, lineno - 1), text: query.trim() });
      }
    } catch {
      // A statement PL/pgSQL accepts but the SQL grammar alone does not: nothing to check.
    }
  }
  return found;
}

/** A dollar-quote tag that does not occur in the body. */
function uniqueTag(body: string): string {
  let tag = "$tm$";
  for (let i = 0; body.includes(tag); i++) tag = `$tm${i}$`;
  return tag;
}

/** Every `PLpgSQL_stmt_execsql` in the PL/pgSQL tree, in source order. */
function execSqlOf(tree: unknown): { query: string; lineno: number }[] {
  const out: { query: string; lineno: number }[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const exec = (value as { PLpgSQL_stmt_execsql?: { lineno?: number; sqlstmt?: unknown } })
      .PLpgSQL_stmt_execsql;
    const expr = (exec?.sqlstmt as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr;
    if (expr?.query) out.push({ query: expr.query, lineno: exec?.lineno ?? 1 });
    for (const child of Object.values(value)) visit(child);
  };
  visit(tree);
  return out;
}
