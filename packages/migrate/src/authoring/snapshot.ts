/**
 * The parts of drizzle-kit's PostgreSQL snapshot (version 7) that authoring reads and rewrites.
 * Everything else is carried through untouched, so the snapshot stays whatever drizzle-kit wrote.
 */

/** drizzle-kit's parent id of the very first snapshot. */
export const ORIGIN_ID = "00000000-0000-0000-0000-000000000000";

/** A column of a snapshot table. */
export interface SnapshotColumn {
  name: string;
  type: string;
  primaryKey: boolean;
  notNull: boolean;
  default?: unknown;
  [key: string]: unknown;
}

/** An index of a snapshot table; plain column references have `isExpression: false`. */
export interface SnapshotIndex {
  name: string;
  columns: { expression: string; isExpression: boolean; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** A foreign key of a snapshot table. */
export interface SnapshotForeignKey {
  name: string;
  tableFrom: string;
  tableTo: string;
  schemaTo?: string;
  columnsFrom: string[];
  columnsTo: string[];
  [key: string]: unknown;
}

/** A table of a snapshot, keyed `schema.name` in {@link Snapshot.tables} (schema "" = public). */
export interface SnapshotTable {
  name: string;
  schema: string;
  columns: Record<string, SnapshotColumn>;
  indexes: Record<string, SnapshotIndex>;
  foreignKeys: Record<string, SnapshotForeignKey>;
  compositePrimaryKeys: Record<string, { name: string; columns: string[] }>;
  uniqueConstraints: Record<string, { name: string; columns: string[]; [key: string]: unknown }>;
  policies: Record<string, unknown>;
  [key: string]: unknown;
}

/** drizzle-kit's `meta/NNNN_snapshot.json` for PostgreSQL. */
export interface Snapshot {
  id: string;
  prevId: string;
  version: string;
  dialect: string;
  tables: Record<string, SnapshotTable>;
  enums: Record<string, unknown>;
  schemas: Record<string, unknown>;
  sequences: Record<string, unknown>;
  roles: Record<string, unknown>;
  policies: Record<string, unknown>;
  views: Record<string, unknown>;
  _meta: SnapshotMeta;
  [key: string]: unknown;
}

/** Renames recorded in a snapshot, in drizzle-kit's `"schema"."table"."column"` key format. */
export interface SnapshotMeta {
  columns: Record<string, string>;
  schemas: Record<string, string>;
  tables: Record<string, string>;
}

/** The snapshot of an empty project (drizzle-kit's `dryPg`). */
export function emptySnapshot(): Snapshot {
  return {
    id: ORIGIN_ID,
    prevId: "",
    version: "7",
    dialect: "postgresql",
    tables: {},
    enums: {},
    schemas: {},
    sequences: {},
    roles: {},
    policies: {},
    views: {},
    _meta: { columns: {}, schemas: {}, tables: {} },
  };
}

/** Key of a table in {@link Snapshot.tables}: `public.users`. */
export function tableKey(schema: string, name: string): string {
  return `${schema || "public"}.${name}`;
}

/** `users` for the public schema, `auth.users` otherwise — how users name tables in flags and prompts. */
export function displayTable(key: string): string {
  return key.startsWith("public.") ? key.slice("public.".length) : key;
}

/** Turn a user-typed table name (`users` or `auth.users`) into a snapshot key. */
export function parseTableName(name: string): string {
  return name.includes(".") ? name : `public.${name}`;
}

/** SQL reference to a table the way drizzle-kit prints it: schema-qualified only outside public. */
export function quoteTable(table: SnapshotTable): string {
  return table.schema ? `"${table.schema}"."${table.name}"` : `"${table.name}"`;
}

/** A deep copy, so rewrites never leak into the caller's snapshot. */
export function cloneSnapshot<T>(snapshot: T): T {
  return structuredClone(snapshot);
}

/** True when the snapshot describes nothing at all (no tables, enums, views…). */
export function isEmptyModel(snapshot: Snapshot): boolean {
  const parts = [snapshot.tables, snapshot.enums, snapshot.sequences, snapshot.views, snapshot.schemas];
  return parts.every((p) => Object.keys(p).length === 0);
}

/**
 * Lay the snapshot out exactly like `drizzle-kit generate` writes it: id and prevId first, the
 * serializer's order after, `_meta` last with its keys in drizzle-kit's order.
 */
export function orderSnapshot(snapshot: Snapshot, meta?: SnapshotMeta): Snapshot {
  const { id, prevId, version, dialect, _meta, ...rest } = snapshot;
  const m = meta ?? _meta;
  return {
    id,
    prevId,
    version,
    dialect,
    ...rest,
    _meta: { columns: m.columns, schemas: m.schemas, tables: m.tables },
  } as Snapshot;
}
