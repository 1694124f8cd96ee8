import type { Node, RangeVar } from "libpg-query";
import { type ColumnType, columnTypeOf } from "./typechange.js";

/** What the linter knows about one table while walking the history. */
interface TableInfo {
  /** Ordinal of the migration that created it; -1 for tables given as already existing. */
  createdIn: number;
  /** Column types, when known (a table from `existingTables` starts with none). */
  columns: Map<string, ColumnType | undefined>;
  /** `CHECK (col IS NOT NULL)` constraints by name, so a later SET NOT NULL can skip the scan. */
  notNullChecks: Map<string, { column: string; valid: boolean }>;
}

/** Table key as the linter compares it: `name` in public (or unqualified), else `schema.name`. */
export function tableKey(schema: string | undefined, name: string): string {
  return schema && schema !== "public" ? `${schema}.${name}` : name;
}

/** Table key of a parsed relation reference. */
export function relationKey(rel: RangeVar | undefined): string | undefined {
  return rel?.relname ? tableKey(rel.schemaname, rel.relname) : undefined;
}

/** Table key of a qualified name list (`DROP TABLE s.t` gives ["s", "t"]). */
export function nameListKey(node: Node): string | undefined {
  if (!("List" in node)) return undefined;
  const parts = (node.List.items ?? []).map((n) => ("String" in n ? (n.String.sval ?? "") : ""));
  const name = parts.at(-1);
  return name ? tableKey(parts.at(-2), name) : undefined;
}

/**
 * The tables (and their column types) created so far while walking migrations in order, so
 * rules can tell a table that already holds data from one created by the migration at hand.
 */
export class SchemaModel {
  private readonly tables = new Map<string, TableInfo>();
  private current = -1;

  /**
   * @param assumeExisting whether a table the model never saw counts as existing (true when
   * linting one file on its own, where the history is unknown).
   */
  constructor(private readonly assumeExisting: boolean) {}

  /** A model seeded with tables that already exist, for `lintSql`. */
  static seeded(existing: Set<string> | undefined): SchemaModel {
    const model = new SchemaModel(existing === undefined);
    for (const name of existing ?? []) {
      const dot = name.indexOf(".");
      const key = dot === -1 ? name : tableKey(name.slice(0, dot), name.slice(dot + 1));
      model.tables.set(key, { createdIn: -1, columns: new Map(), notNullChecks: new Map() });
    }
    return model;
  }

  /** Start the next migration; tables created from here on are "new". */
  beginMigration(): void {
    this.current += 1;
  }

  /** Created by the migration at hand: empty and unused by the running app. */
  isNew(table: string): boolean {
    return this.tables.get(table)?.createdIn === this.current;
  }

  /** Known to exist before the migration at hand, so it may be big and in use. */
  isExisting(table: string): boolean {
    const info = this.tables.get(table);
    return info ? info.createdIn < this.current : this.assumeExisting;
  }

  /** Record a CREATE TABLE; `IF NOT EXISTS` on a known table changes nothing. */
  create(table: string, columns: Map<string, ColumnType | undefined>, ifNotExists = false): void {
    if (ifNotExists && this.tables.has(table)) return;
    this.tables.set(table, { createdIn: this.current, columns, notNullChecks: new Map() });
  }

  drop(table: string): void {
    this.tables.delete(table);
  }

  rename(table: string, to: string): void {
    const info = this.tables.get(table);
    this.tables.delete(table);
    if (info) this.tables.set(to, info);
  }

  /** The column's type, or undefined when the history does not say. */
  columnType(table: string, column: string): ColumnType | undefined {
    return this.tables.get(table)?.columns.get(column);
  }

  setColumn(table: string, column: string, type: ColumnType | undefined): void {
    this.tables.get(table)?.columns.set(column, type);
  }

  dropColumn(table: string, column: string): void {
    this.tables.get(table)?.columns.delete(column);
  }

  renameColumn(table: string, column: string, to: string): void {
    const columns = this.tables.get(table)?.columns;
    if (!columns) return;
    const type = columns.get(column);
    columns.delete(column);
    columns.set(to, type);
  }

  /** Remember a `CHECK (column IS NOT NULL)` constraint (valid unless added NOT VALID). */
  addNotNullCheck(table: string, name: string, column: string, valid: boolean): void {
    this.tables.get(table)?.notNullChecks.set(name, { column, valid });
  }

  /** `VALIDATE CONSTRAINT name`: the check now proves the column has no NULLs. */
  validateConstraint(table: string, name: string): void {
    const check = this.tables.get(table)?.notNullChecks.get(name);
    if (check) check.valid = true;
  }

  dropConstraint(table: string, name: string): void {
    this.tables.get(table)?.notNullChecks.delete(name);
  }

  /** True when a valid `CHECK (column IS NOT NULL)` lets SET NOT NULL skip its table scan (PG 12+). */
  hasValidNotNullCheck(table: string, column: string): boolean {
    const checks = this.tables.get(table)?.notNullChecks.values() ?? [];
    for (const check of checks) if (check.column === column && check.valid) return true;
    return false;
  }
}

/** Columns declared in a CREATE TABLE element list, with their types. */
export function columnsOf(elements: Node[] | undefined): Map<string, ColumnType | undefined> {
  const columns = new Map<string, ColumnType | undefined>();
  for (const el of elements ?? []) {
    if ("ColumnDef" in el && el.ColumnDef.colname) {
      columns.set(el.ColumnDef.colname, columnTypeOf(el.ColumnDef.typeName));
    }
  }
  return columns;
}
