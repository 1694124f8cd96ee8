import type { Node } from "libpg-query";
import { type ParsedSource, parseSource } from "../lint/source.js";
import { quoteIdent } from "../quote.js";

/** One statement of a migration file, with its parse tree. */
export interface ParsedStatement {
  /** The node's kind, e.g. `CreateFunctionStmt`. */
  kind: string;
  /** The node's fields. */
  node: Record<string, unknown>;
  text: string;
  line: number;
}

/** The file's statements, or null when PostgreSQL's parser rejects it. */
export async function parseStatements(sql: string): Promise<ParsedStatement[] | null> {
  return statementsOf(await parseSource(sql));
}

/** The statements of a file already parsed, or null when PostgreSQL's parser rejected it. */
export function statementsOf(parsed: ParsedSource): ParsedStatement[] | null {
  if (!parsed.ok) return null;
  return parsed.statements.map((s) => {
    const [kind, node] = Object.entries(s.node as Node)[0] ?? ["", {}];
    return { kind, node: node as Record<string, unknown>, text: s.text, line: s.line };
  });
}

/** A qualified name from a parse-tree name list (`[{String:{sval}}…]`), quoted for SQL. */
export function qualifiedName(list: unknown): string {
  const parts = (list as { String?: { sval?: string } }[]).map((p) => p.String?.sval ?? "");
  return parts.map(quoteIdent).join(".");
}

/** A relation reference (`{schemaname, relname}`) quoted for SQL. */
export function relationName(rel: unknown): string {
  const r = rel as { schemaname?: string; relname?: string };
  return r.schemaname
    ? `${quoteIdent(r.schemaname)}.${quoteIdent(r.relname ?? "")}`
    : quoteIdent(r.relname ?? "");
}
