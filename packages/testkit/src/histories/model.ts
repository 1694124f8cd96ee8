/**
 * A small schema model that the history generator evolves one change at a time, and its
 * translation into real drizzle-orm tables, so drizzle-kit serializes it exactly as it would a
 * project's schema file.
 */
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  type PgColumnBuilderBase,
  pgEnum,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from "drizzle-orm/pg-core";

/** Column types the generator uses; `enum:<name>` refers to a model enum. */
export type ColumnType =
  | "text"
  | "integer"
  | "bigint"
  | "boolean"
  | "timestamp"
  | "varchar(64)"
  | "varchar(128)"
  | "jsonb"
  | "text[]"
  | `enum:${string}`;

/** A column of a model table (every table also has `id serial primary key`). */
export interface ModelColumn {
  name: string;
  type: ColumnType;
  notNull: boolean;
  /** Give the column drizzle's natural default for its type. */
  hasDefault: boolean;
  /** Table whose `id` this column references (ON DELETE CASCADE). */
  references?: string;
}

/** An index over plain columns. */
export interface ModelIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

/** A table of the model. */
export interface ModelTable {
  name: string;
  columns: ModelColumn[];
  indexes: ModelIndex[];
}

/** The whole schema at one point of the history. */
export interface Model {
  tables: ModelTable[];
  enums: { name: string; values: string[] }[];
}

/** A deep copy, so each step edits its own model. */
export function cloneModel(model: Model): Model {
  return structuredClone(model);
}

type Builder = PgColumnBuilderBase & {
  notNull(): Builder;
  default(value: unknown): Builder;
  defaultNow(): Builder;
  references(ref: () => unknown, actions?: Record<string, string>): Builder;
};

function defaultValue(type: ColumnType): unknown {
  if (type === "integer" || type === "bigint") return 0;
  if (type === "boolean") return false;
  if (type === "jsonb") return {};
  if (type === "text[]") return [];
  return "";
}

function baseColumn(column: ModelColumn, enums: Map<string, (name: string) => unknown>): Builder {
  const n = column.name;
  if (column.type.startsWith("enum:")) {
    const e = enums.get(column.type.slice(5));
    if (!e) throw new Error(`model: unknown enum ${column.type}`);
    return e(n) as unknown as Builder;
  }
  const make: Record<string, () => unknown> = {
    text: () => text(n),
    integer: () => integer(n),
    bigint: () => bigint(n, { mode: "number" }),
    boolean: () => boolean(n),
    timestamp: () => timestamp(n, { withTimezone: true }),
    "varchar(64)": () => varchar(n, { length: 64 }),
    "varchar(128)": () => varchar(n, { length: 128 }),
    jsonb: () => jsonb(n),
    "text[]": () => text(n).array(),
  };
  return (make[column.type] as () => Builder)();
}

function enumValue(type: ColumnType, enums: Model["enums"]): string {
  return enums.find((e) => `enum:${e.name}` === type)?.values[0] ?? "";
}

/** drizzle-orm objects for the model, keyed like a schema module's exports. */
export function toDrizzle(model: Model): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const enums = new Map<string, (name: string) => unknown>();
  for (const e of model.enums) {
    const made = pgEnum(e.name, e.values as [string, ...string[]]);
    enums.set(e.name, made as unknown as (name: string) => unknown);
    out[`enum_${e.name}`] = made;
  }
  const tables = new Map<string, { id: unknown }>();
  for (const t of model.tables) {
    const columns: Record<string, PgColumnBuilderBase> = { id: serial("id").primaryKey() };
    for (const c of t.columns) {
      let b = baseColumn(c, enums);
      if (c.hasDefault) {
        if (c.type === "timestamp") b = b.defaultNow();
        else if (c.type.startsWith("enum:")) b = b.default(enumValue(c.type, model.enums));
        else b = b.default(defaultValue(c.type));
      }
      if (c.notNull) b = b.notNull();
      if (c.references) {
        const target = c.references;
        b = b.references(() => (tables.get(target) as { id: unknown }).id, { onDelete: "cascade" });
      }
      columns[c.name] = b;
    }
    const made = pgTable(t.name, columns, (cols) =>
      t.indexes.map((i) => {
        const on = i.columns.map((c) => (cols as Record<string, never>)[c]) as [never, ...never[]];
        return (i.unique ? uniqueIndex(i.name) : index(i.name)).on(...on);
      }),
    );
    tables.set(t.name, made as unknown as { id: unknown });
    out[`table_${t.name}`] = made;
  }
  return out;
}
