import type { Snapshot } from "./snapshot.js";

/** Kinds of objects drizzle-kit asks about when some appear while others of the kind disappear. */
export type ConflictKind = "table" | "column" | "enum" | "sequence" | "view" | "schema" | "role" | "policy";

/**
 * Objects of one kind (and one table, for columns and policies) that appeared and disappeared
 * between two snapshots. drizzle-kit prompts "rename or create?" for exactly these.
 */
export interface Conflict {
  kind: ConflictKind;
  /** The table key for columns and table policies. */
  table?: string;
  created: string[];
  deleted: string[];
}

function difference(from: Record<string, unknown>, to: Record<string, unknown>) {
  return {
    created: Object.keys(to).filter((k) => !(k in from)),
    deleted: Object.keys(from).filter((k) => !(k in to)),
  };
}

/**
 * Every place where drizzle-kit's resolvers would prompt when diffing `from` → `to`.
 * Mirrors drizzle-kit 0.31's rule: a resolver asks only when both lists are non-empty.
 */
export function findConflicts(from: Snapshot, to: Snapshot): Conflict[] {
  const out: Conflict[] = [];
  const add = (
    kind: ConflictKind,
    a: Record<string, unknown>,
    b: Record<string, unknown>,
    table?: string,
  ) => {
    const d = difference(a ?? {}, b ?? {});
    if (d.created.length > 0 && d.deleted.length > 0) out.push({ kind, table, ...d });
  };
  add("schema", from.schemas, to.schemas);
  add("enum", from.enums, to.enums);
  add("sequence", from.sequences, to.sequences);
  add("role", from.roles, to.roles);
  add("policy", from.policies, to.policies);
  add("table", from.tables, to.tables);
  for (const [key, table] of Object.entries(to.tables)) {
    const before = from.tables[key];
    if (!before) continue;
    add("column", before.columns, table.columns, key);
    add("policy", before.policies, table.policies, key);
  }
  add("view", from.views, to.views);
  return out;
}
