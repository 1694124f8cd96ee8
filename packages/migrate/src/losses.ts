import { readFile } from "node:fs/promises";
import type { Sql } from "./connection.js";
import { loadPgParser } from "./pg-parser.js";
import { quoteIdent } from "./quote.js";
import type { DataLoss } from "./reports.js";
import { BREAKPOINT } from "./statements.js";
import type { Migration } from "./types.js";

type Node = Record<string, unknown>;
type Target = { kind: "table" | "column"; schema: string; table: string; column?: string };

/** Tables and columns a down migration drops, found by PostgreSQL's own parser (not by pattern matching). */
export async function droppedObjects(sqlText: string): Promise<Target[]> {
  const { parse } = await loadPgParser();
  const found: Target[] = [];
  for (const chunk of sqlText.split(BREAKPOINT)) {
    if (!chunk.trim()) continue;
    const tree = await parse(chunk);
    for (const { stmt } of tree.stmts ?? []) {
      const node = stmt as Node;
      const drop = node.DropStmt as { removeType?: string; objects?: Node[] } | undefined;
      if (drop?.removeType === "OBJECT_TABLE") {
        for (const obj of drop.objects ?? []) {
          const names = ((obj.List as { items?: Node[] })?.items ?? []).map(
            (i) => (i.String as { sval: string }).sval,
          );
          const table = names.at(-1);
          if (table)
            found.push({
              kind: "table",
              schema: names.length > 1 ? (names[0] ?? "public") : "public",
              table,
            });
        }
      }
      const alter = node.AlterTableStmt as
        | { relation?: { schemaname?: string; relname?: string }; cmds?: Node[] }
        | undefined;
      for (const cmd of alter?.cmds ?? []) {
        const c = cmd.AlterTableCmd as { subtype?: string; name?: string } | undefined;
        if (c?.subtype === "AT_DropColumn" && alter?.relation?.relname) {
          found.push({
            kind: "column",
            schema: alter.relation.schemaname ?? "public",
            table: alter.relation.relname,
            column: c.name,
          });
        }
      }
    }
  }
  return found;
}

/** Count what would be lost; a table that does not exist (already gone) counts as null. */
async function countRows(sql: Sql, t: Target): Promise<number | null> {
  const from = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
  const where = t.column ? ` where ${quoteIdent(t.column)} is not null` : "";
  try {
    const [row] = await sql.unsafe<{ n: string }[]>(`select count(*) as n from ${from}${where}`);
    return Number(row?.n ?? 0);
  } catch {
    return null;
  }
}

/** Data each step of a rollback would destroy, with live row counts. */
export async function dataLosses(sql: Sql, steps: Migration[]): Promise<DataLoss[]> {
  const losses: DataLoss[] = [];
  for (const m of steps) {
    if (m.kind !== "sql" || !m.downFile) continue;
    for (const t of await droppedObjects(await readFile(m.downFile, "utf8"))) {
      losses.push({
        revision: m.tag,
        kind: t.kind,
        table: t.table,
        column: t.column,
        rows: await countRows(sql, t),
      });
    }
  }
  return losses;
}
