/**
 * Removing a value from an enum: drizzle-kit's up recreates the type, but its reverse diff (our
 * down) adds the value back with `ALTER TYPE … ADD VALUE`. PostgreSQL refuses to use a value
 * added in the same transaction ("unsafe use of new value"), so a down that also restores a
 * default or a check naming that value fails. Such an enum is recreated instead, the way the
 * up did: rename the old type, create it with the previous values, convert every column through
 * text, drop the old type. All inside the down's transaction, like the up.
 */
import { quoteTable, type Snapshot, type SnapshotTable } from "./snapshot.js";

interface SnapshotEnum {
  name: string;
  schema?: string;
  values: string[];
}

const ADD_VALUE = /^ALTER TYPE "([^"]+)"\."([^"]+)" ADD VALUE '((?:[^']|'')*)'/;

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function enumKey(statement: string): { key: string; value: string } | null {
  const m = ADD_VALUE.exec(statement.trim());
  return m ? { key: `${m[1]}.${m[2]}`, value: (m[3] ?? "").replaceAll("''", "'") } : null;
}

/** The enums whose re-added values a later statement of the down uses. */
function enumsToRecreate(statements: string[]): Set<string> {
  const out = new Set<string>();
  statements.forEach((statement, i) => {
    const added = enumKey(statement);
    if (!added) return;
    const later = statements.slice(i + 1).filter((s) => enumKey(s)?.key !== added.key);
    if (later.some((s) => s.includes(literal(added.value)))) out.add(added.key);
  });
  return out;
}

/** Columns of `snapshot` typed with the enum `schema.name` (or an array of it). */
function columnsOf(snapshot: Snapshot, schema: string, name: string) {
  const out: { table: SnapshotTable; column: string; array: string; def: unknown }[] = [];
  for (const table of Object.values(snapshot.tables)) {
    for (const c of Object.values(table.columns)) {
      const typeSchema = typeof c.typeSchema === "string" ? c.typeSchema : "public";
      const base = c.type.replace(/(\[\])+$/, "");
      if (base !== name || typeSchema !== schema) continue;
      out.push({ table, column: c.name, array: c.type.slice(base.length), def: c.default });
    }
  }
  return out;
}

function recreate(e: SnapshotEnum, before: Snapshot): string[] {
  const schema = e.schema || "public";
  const type = `"${schema}"."${e.name}"`;
  const old = `${e.name.slice(0, 58)}__old`;
  const out = [
    `ALTER TYPE ${type} RENAME TO "${old}";`,
    `CREATE TYPE ${type} AS ENUM(${e.values.map(literal).join(", ")});`,
  ];
  for (const c of columnsOf(before, schema, e.name)) {
    const alter = `ALTER TABLE ${quoteTable(c.table)} ALTER COLUMN "${c.column}"`;
    // A default typed with the old enum cannot be cast to the new one: drop it, put it back.
    if (c.def !== undefined) out.push(`${alter} DROP DEFAULT;`);
    out.push(
      `${alter} SET DATA TYPE ${type}${c.array} USING "${c.column}"::text${c.array}::${type}${c.array};`,
    );
    if (c.def !== undefined) out.push(`${alter} SET DEFAULT ${String(c.def)};`);
  }
  out.push(`DROP TYPE "${schema}"."${old}";`);
  return out;
}

/**
 * The down's statements with each enum whose re-added values are used later in the same down
 * recreated instead of extended. `before` is the model the down starts from (the new snapshot),
 * `after` the one it returns to (the previous snapshot). Other downs come back unchanged.
 */
export function recreateEnumsInDown(statements: string[], before: Snapshot, after: Snapshot): string[] {
  const keys = enumsToRecreate(statements);
  if (keys.size === 0) return statements;
  const out: string[] = [];
  const done = new Set<string>();
  for (const statement of statements) {
    const key = enumKey(statement)?.key;
    const target = key && keys.has(key) ? (after.enums[key] as SnapshotEnum | undefined) : undefined;
    if (!key || !target) {
      out.push(statement);
      continue;
    }
    if (!done.has(key)) out.push(...recreate(target, before));
    done.add(key);
  }
  return out;
}
