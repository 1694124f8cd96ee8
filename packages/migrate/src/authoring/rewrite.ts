/**
 * Pure rewrites of a drizzle-kit snapshot. Renames are applied to the *previous* snapshot before
 * diffing, so drizzle-kit sees the object already under its new name and never has to ask
 * whether a disappearance plus an appearance was a rename (it prompts for that, and fails
 * without a TTY); the RENAME statements are emitted here, in drizzle-kit's own SQL.
 */
import {
  cloneSnapshot,
  quoteTable,
  type Snapshot,
  type SnapshotMeta,
  type SnapshotTable,
} from "./snapshot.js";

/** Renames between two snapshots, as snapshot keys (`public.users`) and column names. */
export interface RenamePlan {
  tables: { from: string; to: string }[];
  /** `sourceTable` / `targetTable` are the table's keys before and after any table rename. */
  columns: { sourceTable: string; targetTable: string; from: string; to: string }[];
}

/** The same renames seen from the other side, for the down migration. */
export function invertPlan(plan: RenamePlan): RenamePlan {
  return {
    tables: plan.tables.map((t) => ({ from: t.to, to: t.from })),
    columns: plan.columns.map((c) => ({
      sourceTable: c.targetTable,
      targetTable: c.sourceTable,
      from: c.to,
      to: c.from,
    })),
  };
}

function renameKey<T>(record: Record<string, T>, from: string, to: string, value: T): Record<string, T> {
  // Rebuild in place of the old key so column order (and thus CREATE TABLE order) is kept.
  return Object.fromEntries(Object.entries(record).map(([k, v]) => (k === from ? [to, value] : [k, v])));
}

function swap(list: string[], from: string, to: string): string[] {
  return list.map((c) => (c === from ? to : c));
}

function renameTable(snapshot: Snapshot, fromKey: string, toKey: string): string {
  const table = snapshot.tables[fromKey] as SnapshotTable;
  const oldName = table.name;
  const newName = toKey.slice(toKey.indexOf(".") + 1);
  const statement = `ALTER TABLE ${quoteTable(table)} RENAME TO "${newName}";`;
  table.name = newName;
  snapshot.tables = renameKey(snapshot.tables, fromKey, toKey, table);
  const schema = table.schema || "public";
  for (const t of Object.values(snapshot.tables)) {
    for (const fk of Object.values(t.foreignKeys)) {
      if (t === table && fk.tableFrom === oldName) fk.tableFrom = newName;
      if (fk.tableTo === oldName && (fk.schemaTo || "public") === schema) fk.tableTo = newName;
    }
  }
  return statement;
}

function renameColumn(snapshot: Snapshot, tableKeyName: string, from: string, to: string): string {
  const table = snapshot.tables[tableKeyName] as SnapshotTable;
  const column = table.columns[from];
  if (!column) throw new Error(`rename of missing column ${tableKeyName}.${from}`);
  column.name = to;
  table.columns = renameKey(table.columns, from, to, column);
  for (const index of Object.values(table.indexes)) {
    for (const c of index.columns) if (!c.isExpression && c.expression === from) c.expression = to;
  }
  for (const pk of Object.values(table.compositePrimaryKeys)) pk.columns = swap(pk.columns, from, to);
  for (const u of Object.values(table.uniqueConstraints)) u.columns = swap(u.columns, from, to);
  for (const fk of Object.values(table.foreignKeys)) fk.columnsFrom = swap(fk.columnsFrom, from, to);
  const schema = table.schema || "public";
  for (const t of Object.values(snapshot.tables)) {
    for (const fk of Object.values(t.foreignKeys)) {
      if (fk.tableTo === table.name && (fk.schemaTo || "public") === schema) {
        fk.columnsTo = swap(fk.columnsTo, from, to);
      }
    }
  }
  return `ALTER TABLE ${quoteTable(table)} RENAME COLUMN "${from}" TO "${to}";`;
}

function metaTable(table: SnapshotTable, name: string): string {
  return table.schema ? `"${table.schema}"."${name}"` : `"${name}"`;
}

/**
 * Apply `plan` to a copy of `source`: the result carries the new names, `statements` are the
 * RENAMEs (tables first, as drizzle-kit orders them) and `meta` records them in drizzle-kit's
 * `_meta` format.
 */
export function applyRenames(
  source: Snapshot,
  plan: RenamePlan,
): { renamed: Snapshot; statements: string[]; meta: SnapshotMeta } {
  const renamed = cloneSnapshot(source);
  const statements: string[] = [];
  const meta: SnapshotMeta = { columns: {}, schemas: {}, tables: {} };
  for (const t of plan.tables) {
    const table = renamed.tables[t.from] as SnapshotTable;
    const oldName = table.name;
    statements.push(renameTable(renamed, t.from, t.to));
    meta.tables[metaTable(table, oldName)] = metaTable(table, table.name);
  }
  for (const c of plan.columns) {
    statements.push(renameColumn(renamed, c.targetTable, c.from, c.to));
    const table = renamed.tables[c.targetTable] as SnapshotTable;
    meta.columns[`${metaTable(table, table.name)}."${c.from}"`] = `${metaTable(table, table.name)}."${c.to}"`;
  }
  return { renamed, statements, meta };
}

/**
 * A copy of `source` without the given tables and columns, and without every index, constraint
 * and foreign key that refers to them. Diffing source → this → target splits a change into
 * "drop first, then create", so drizzle-kit never sees a disappearance and an appearance at once.
 */
export function withoutObjects(
  source: Snapshot,
  tables: string[],
  columns: { table: string; columns: string[] }[],
): Snapshot {
  const out = cloneSnapshot(source);
  const gone = new Set(tables.map((k) => out.tables[k]).filter(Boolean) as SnapshotTable[]);
  for (const k of tables) delete out.tables[k];
  const refersTo = (t: SnapshotTable, schemaTo: string | undefined, name: string) =>
    t.name === name && (t.schema || "public") === (schemaTo || "public");
  for (const t of Object.values(out.tables)) {
    for (const [name, fk] of Object.entries(t.foreignKeys)) {
      if ([...gone].some((g) => refersTo(g, fk.schemaTo, fk.tableTo))) delete t.foreignKeys[name];
    }
  }
  for (const { table: key, columns: cols } of columns) {
    const table = out.tables[key];
    if (!table) continue;
    const dropped = new Set(cols);
    const hits = (list: string[]) => list.some((c) => dropped.has(c));
    for (const c of cols) delete table.columns[c];
    for (const [n, i] of Object.entries(table.indexes)) {
      if (i.columns.some((c) => !c.isExpression && dropped.has(c.expression))) delete table.indexes[n];
    }
    for (const [n, pk] of Object.entries(table.compositePrimaryKeys))
      if (hits(pk.columns)) delete table.compositePrimaryKeys[n];
    for (const [n, u] of Object.entries(table.uniqueConstraints))
      if (hits(u.columns)) delete table.uniqueConstraints[n];
    for (const [n, fk] of Object.entries(table.foreignKeys))
      if (hits(fk.columnsFrom)) delete table.foreignKeys[n];
    for (const t of Object.values(out.tables)) {
      for (const [n, fk] of Object.entries(t.foreignKeys)) {
        if (refersTo(table, fk.schemaTo, fk.tableTo) && hits(fk.columnsTo)) delete t.foreignKeys[n];
      }
    }
  }
  return out;
}
