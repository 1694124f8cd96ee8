import type { Sql } from "./connection.js";
import type { TableInfo } from "./reports.js";

/** Schemas that hold Tidemark's and drizzle's bookkeeping, not the application's tables. */
const BOOKKEEPING_SCHEMAS = ["drizzle", "tidemark"];

/** The application's tables and columns, straight from the catalog. */
export async function readTables(sql: Sql): Promise<TableInfo[]> {
  const rows = await sql<
    {
      schema: string;
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      default: string | null;
    }[]
  >`
    select n.nspname as schema, c.relname as table, a.attname as column,
      format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
      pg_get_expr(d.adbin, d.adrelid) as default
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
      and n.nspname <> all(${BOOKKEEPING_SCHEMAS})
    order by n.nspname, c.relname, a.attnum`;
  const tables = new Map<string, TableInfo>();
  for (const r of rows) {
    const key = `${r.schema}.${r.table}`;
    let t = tables.get(key);
    if (!t) {
      t = { schema: r.schema, name: r.table, columns: [] };
      tables.set(key, t);
    }
    t.columns.push({ name: r.column, type: r.type, nullable: r.nullable, default: r.default });
  }
  return [...tables.values()];
}
