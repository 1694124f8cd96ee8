/**
 * Random schema changes of the kinds real histories are made of, chosen by a seeded generator so
 * a seed always yields the same history.
 */
import { type ColumnType, cloneModel, type Model, type ModelColumn, type ModelTable } from "./model.js";

/** A seeded pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Renames a step performs; the up file carries them as `ALTER … RENAME`. */
export interface StepRenames {
  tables: { from: string; to: string }[];
  columns: { table: string; from: string; to: string }[];
}

/** One schema change: its name (for the tag) and the model after it. */
export interface Step {
  name: string;
  model: Model;
  renames: StepRenames;
}

/** Tables and columns that hand-written SQL (views, triggers, indexes) depends on: never changed. */
export const CORE: Record<string, string[]> = {
  users: ["email", "created_at"],
  posts: ["title", "author_id", "updated_at"],
};

/** The first migration: the two core tables and an enum. */
export function initialModel(): Model {
  return {
    enums: [{ name: "post_status", values: ["draft", "published"] }],
    tables: [
      {
        name: "users",
        columns: [
          { name: "email", type: "varchar(128)", notNull: true, hasDefault: false },
          { name: "created_at", type: "timestamp", notNull: true, hasDefault: true },
        ],
        indexes: [{ name: "users_email_key", columns: ["email"], unique: true }],
      },
      {
        name: "posts",
        columns: [
          { name: "title", type: "text", notNull: true, hasDefault: true },
          { name: "author_id", type: "integer", notNull: false, hasDefault: false, references: "users" },
          { name: "status", type: "enum:post_status", notNull: true, hasDefault: true },
          { name: "updated_at", type: "timestamp", notNull: false, hasDefault: false },
        ],
        indexes: [],
      },
    ],
  };
}

type Op = (m: Model, rnd: () => number, n: number) => Omit<Step, "model"> | null;

const pick = <T>(list: T[], rnd: () => number): T | undefined => list[Math.floor(rnd() * list.length)];
const noRenames = (): StepRenames => ({ tables: [], columns: [] });
const isCore = (t: string, c?: string) => (c ? (CORE[t] ?? []).includes(c) : t in CORE);
const free = (t: ModelTable) => t.columns.filter((c) => !isCore(t.name, c.name) && !c.references);
const referenced = (m: Model, name: string) =>
  m.tables.some((t) => t.columns.some((c) => c.references === name));

const createTable: Op = (m, rnd, n) => {
  const name = `t${n}_items`;
  const target = pick(m.tables, rnd);
  const columns: ModelColumn[] = [
    { name: "label", type: "varchar(64)", notNull: true, hasDefault: true },
    { name: "count", type: "integer", notNull: false, hasDefault: false },
  ];
  if (target)
    columns.push({
      name: `${target.name}_id`,
      type: "integer",
      notNull: false,
      hasDefault: false,
      references: target.name,
    });
  m.tables.push({ name, columns, indexes: [] });
  return { name: `create_${name}`, renames: noRenames() };
};

const COLUMN_TYPES: ColumnType[] = ["text", "integer", "boolean", "timestamp", "jsonb", "text[]", "bigint"];

const addColumn: Op = (m, rnd, n) => {
  const table = pick(m.tables, rnd) as ModelTable;
  const useEnum = rnd() < 0.2 && m.enums.length > 0;
  const type = useEnum
    ? (`enum:${pick(m.enums, rnd)?.name}` as ColumnType)
    : (pick(COLUMN_TYPES, rnd) as ColumnType);
  const hasDefault = rnd() < 0.5 || useEnum;
  const name = `c${n}`;
  table.columns.push({ name, type, notNull: hasDefault && rnd() < 0.5, hasDefault });
  return { name: `add_${table.name}_${name}`, renames: noRenames() };
};

const changeType: Op = (m, rnd) => {
  const widen: Partial<Record<ColumnType, ColumnType>> = {
    integer: "bigint",
    "varchar(64)": "varchar(128)",
    boolean: "text",
  };
  const candidates = m.tables.flatMap((t) =>
    free(t)
      .filter((c) => widen[c.type])
      .map((c) => ({ t, c })),
  );
  const hit = pick(candidates, rnd);
  if (!hit) return null;
  hit.c.type = widen[hit.c.type] as ColumnType;
  return { name: `widen_${hit.t.name}_${hit.c.name}`, renames: noRenames() };
};

const createEnum: Op = (m, _rnd, n) => {
  m.enums.push({ name: `kind_${n}`, values: ["a", "b"] });
  return { name: `create_enum_kind_${n}`, renames: noRenames() };
};

const addEnumValue: Op = (m, rnd, n) => {
  const e = pick(m.enums, rnd);
  if (!e) return null;
  e.values.push(`v${n}`);
  return { name: `add_${e.name}_value`, renames: noRenames() };
};

const addIndex: Op = (m, rnd, n) => {
  const table = pick(m.tables, rnd) as ModelTable;
  const column = pick(
    table.columns.filter((c) => !["jsonb", "text[]"].includes(c.type)),
    rnd,
  );
  if (!column) return null;
  table.indexes.push({
    name: `${table.name}_${column.name}_${n}_idx`,
    columns: [column.name],
    unique: false,
  });
  return { name: `index_${table.name}_${column.name}`, renames: noRenames() };
};

const dropIndex: Op = (m, rnd) => {
  const table = pick(
    m.tables.filter((t) => t.indexes.length > 0 && !isCore(t.name)),
    rnd,
  );
  if (!table) return null;
  const gone = table.indexes.splice(Math.floor(rnd() * table.indexes.length), 1)[0];
  return { name: `drop_${gone?.name}`, renames: noRenames() };
};

const addForeignKey: Op = (m, rnd, n) => {
  const from = pick(
    m.tables.filter((t) => !isCore(t.name)),
    rnd,
  );
  const to = pick(m.tables, rnd);
  if (!from || !to) return null;
  from.columns.push({
    name: `${to.name}_ref${n}`,
    type: "integer",
    notNull: false,
    hasDefault: false,
    references: to.name,
  });
  return { name: `link_${from.name}_${to.name}`, renames: noRenames() };
};

const renameColumn: Op = (m, rnd, n) => {
  const table = pick(
    m.tables.filter((t) => free(t).length > 0),
    rnd,
  );
  const column = table && pick(free(table), rnd);
  if (!table || !column || table.indexes.some((i) => i.columns.includes(column.name))) return null;
  const to = `r${n}_${column.name}`.slice(0, 40);
  const from = column.name;
  column.name = to;
  return {
    name: `rename_${table.name}_${from}`,
    renames: { tables: [], columns: [{ table: table.name, from, to }] },
  };
};

const renameTable: Op = (m, rnd, n) => {
  const table = pick(
    m.tables.filter((t) => !isCore(t.name) && !referenced(m, t.name) && !t.columns.some((c) => c.references)),
    rnd,
  );
  if (!table) return null;
  const from = table.name;
  table.name = `t${n}_renamed`;
  return { name: `rename_${from}`, renames: { tables: [{ from, to: table.name }], columns: [] } };
};

const dropColumn: Op = (m, rnd) => {
  const table = pick(
    m.tables.filter((t) => free(t).length > 0),
    rnd,
  );
  const column = table && pick(free(table), rnd);
  if (!table || !column) return null;
  table.columns = table.columns.filter((c) => c !== column);
  table.indexes = table.indexes.filter((i) => !i.columns.includes(column.name));
  return { name: `drop_${table.name}_${column.name}`, renames: noRenames() };
};

const dropTable: Op = (m, rnd) => {
  // drizzle-kit drops a referenced table with CASCADE, then fails dropping the foreign keys it
  // already removed; a real team fixes that by hand, so the generator drops unreferenced ones.
  const table = pick(
    m.tables.filter((t) => !isCore(t.name) && !referenced(m, t.name)),
    rnd,
  );
  if (!table) return null;
  m.tables = m.tables.filter((t) => t !== table);
  for (const t of m.tables) {
    const gone = new Set(t.columns.filter((c) => c.references === table.name).map((c) => c.name));
    t.columns = t.columns.filter((c) => !gone.has(c.name));
    t.indexes = t.indexes.filter((i) => !i.columns.some((c) => gone.has(c)));
  }
  return { name: `drop_${table.name}`, renames: noRenames() };
};

const OPS: [Op, number][] = [
  [createTable, 12],
  [addColumn, 20],
  [changeType, 6],
  [createEnum, 3],
  [addEnumValue, 5],
  [addIndex, 8],
  [dropIndex, 3],
  [addForeignKey, 5],
  [renameColumn, 5],
  [renameTable, 3],
  [dropColumn, 5],
  [dropTable, 3],
];

/** One random change to `model` (the input is not modified). */
export function randomStep(model: Model, rnd: () => number, n: number): Step {
  const total = OPS.reduce((s, [, w]) => s + w, 0);
  for (;;) {
    let r = rnd() * total;
    let op = OPS[0]?.[0] as Op;
    for (const [candidate, weight] of OPS) {
      r -= weight;
      op = candidate;
      if (r < 0) break;
    }
    const next = cloneModel(model);
    const done = op(next, rnd, n);
    if (done) return { ...done, model: next };
  }
}
