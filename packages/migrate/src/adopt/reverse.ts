/**
 * The schema part of a down migration: drizzle-kit's diff from this migration's snapshot back to
 * the previous one, with the renames the up file performed answered, and with the corrections
 * drizzle-kit's own output needs before it runs.
 */
import { diffSnapshots } from "../authoring/diff.js";
import { invertPlan, type RenamePlan } from "../authoring/rewrite.js";
import { cloneSnapshot, emptySnapshot, type Snapshot, type SnapshotColumn } from "../authoring/snapshot.js";
import type { ParsedStatement } from "./sql-text.js";

const key = (rel: { schemaname?: string; relname?: string }) =>
  `${rel.schemaname || "public"}.${rel.relname}`;

/** Renames the up file performs with `ALTER … RENAME`, kept only where both snapshots agree. */
export function renamesOf(statements: ParsedStatement[], previous: Snapshot, current: Snapshot): RenamePlan {
  const plan: RenamePlan = { tables: [], columns: [] };
  for (const s of statements.filter((x) => x.kind === "RenameStmt")) {
    const rel = s.node.relation as { schemaname?: string; relname?: string };
    if (s.node.renameType === "OBJECT_TABLE") {
      const from = key(rel);
      const to = `${rel.schemaname || "public"}.${s.node.newname}`;
      if (previous.tables[from] && current.tables[to] && !current.tables[from] && !previous.tables[to]) {
        plan.tables.push({ from, to });
      }
    } else if (s.node.renameType === "OBJECT_COLUMN") {
      const named = key(rel);
      // The table may have been renamed earlier in the same file.
      const moved = plan.tables.find((t) => t.from === named || t.to === named);
      const sourceTable = moved?.from ?? named;
      const targetTable = moved?.to ?? named;
      const from = String(s.node.subname);
      const to = String(s.node.newname);
      const before = previous.tables[sourceTable]?.columns;
      const after = current.tables[targetTable]?.columns;
      if (before?.[from] && after?.[to] && !after[from] && !before[to]) {
        plan.columns.push({ sourceTable, targetTable, from, to });
      }
    }
  }
  return plan;
}

function findColumn(snapshot: Snapshot, table: string, column: string): SnapshotColumn | undefined {
  const parts = table.replace(/"/g, "").split(".");
  const k = parts.length === 2 ? `${parts[0]}.${parts[1]}` : `public.${parts[0]}`;
  return snapshot.tables[k]?.columns[column];
}

const TYPE_CHANGE = /^ALTER TABLE (\S+) ALTER COLUMN "([^"]+)" SET DATA TYPE ([^;]+?);\s*$/;
const PK_PLACEHOLDER = /--\s*ALTER TABLE ("[^"]+"(?:\."[^"]+")?) DROP CONSTRAINT "<constraint_name>";/;

/**
 * Make drizzle-kit's statements runnable: foreign keys already removed by a CASCADE, type changes
 * without USING (and defaults that cannot follow the new type), `[]` defaults, and the commented
 * placeholder drizzle-kit writes instead of a primary-key drop.
 */
export function fixStatements(statements: string[], target: Snapshot): string[] {
  const out: string[] = [];
  for (const [i, raw] of statements.entries()) {
    const s = raw.trim();
    const pk = s.match(PK_PLACEHOLDER);
    if (pk) {
      const table = (pk[1] as string).split(".").at(-1)?.replace(/"/g, "");
      out.push(`ALTER TABLE ${pk[1]} DROP CONSTRAINT IF EXISTS "${table}_pkey";`);
      continue;
    }
    const fixed = s
      .replace(
        /^ALTER TABLE (?!IF EXISTS)(\S+) DROP CONSTRAINT (?!IF EXISTS)/,
        "ALTER TABLE IF EXISTS $1 DROP CONSTRAINT IF EXISTS ",
      )
      .replace(/SET DEFAULT ;$/, "SET DEFAULT '{}';");
    const change = /\bUSING\b/.test(fixed) ? null : fixed.match(TYPE_CHANGE);
    if (!change) {
      out.push(fixed);
      continue;
    }
    const [, table, column, type] = change as unknown as [string, string, string, string];
    // The old default may not cast to the new type ('' → boolean): drop it, and set the target's after.
    out.push(`ALTER TABLE ${table} ALTER COLUMN "${column}" DROP DEFAULT;`);
    out.push(
      `ALTER TABLE ${table} ALTER COLUMN "${column}" SET DATA TYPE ${type} USING "${column}"::${type};`,
    );
    const setsDefault = statements
      .slice(i + 1)
      .some((n) => n.includes(`ALTER TABLE ${table} ALTER COLUMN "${column}" SET DEFAULT`));
    const wanted = findColumn(target, table, column)?.default;
    if (!setsDefault && wanted !== undefined) {
      out.push(`ALTER TABLE ${table} ALTER COLUMN "${column}" SET DEFAULT ${String(wanted)};`);
    }
  }
  return out;
}

/** Enum renames the up file performs (`ALTER TYPE … RENAME TO`), as snapshot keys, where both snapshots agree. */
export function enumRenamesOf(
  statements: ParsedStatement[],
  previous: Snapshot,
  current: Snapshot,
): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (const s of statements) {
    if (s.kind !== "RenameStmt" || s.node.renameType !== "OBJECT_TYPE") continue;
    const names = (
      (s.node.object as { List?: { items: { String?: { sval?: string } }[] } }).List?.items ?? []
    ).map((i) => i.String?.sval ?? "");
    const schema = names.length > 1 ? names[0] : "public";
    const from = `${schema}.${names.at(-1)}`;
    const to = `${schema}.${s.node.newname}`;
    if (previous.enums[from] && current.enums[to] && !current.enums[from] && !previous.enums[to])
      out.push({ from, to });
  }
  return out;
}

/**
 * `current` with the enums renamed back (`to` → `from`), and the `ALTER TYPE … RENAME` that does
 * it: drizzle-kit would otherwise ask whether the enum was renamed, and fail without a TTY.
 */
function renameEnumsBack(current: Snapshot, renames: { from: string; to: string }[]) {
  const snapshot = cloneSnapshot(current);
  const statements: string[] = [];
  for (const { from, to } of renames) {
    const [schema = "public", oldName = ""] = from.split(".");
    const newName = to.slice(schema.length + 1);
    const entry = snapshot.enums[to] as { name: string };
    delete snapshot.enums[to];
    snapshot.enums[from] = { ...entry, name: oldName };
    for (const table of Object.values(snapshot.tables)) {
      for (const column of Object.values(table.columns)) {
        if (column.type === newName && (column.typeSchema ?? "public") === schema) column.type = oldName;
      }
    }
    statements.push(`ALTER TYPE "${schema}"."${newName}" RENAME TO "${oldName}";`);
  }
  return { snapshot, statements };
}

/**
 * The reverse diff from `current` (this migration's snapshot) to `previous` (null for the first
 * migration: an empty project). Throws TM_GENERATE_FAILED when drizzle-kit would have to ask
 * about something no `ALTER … RENAME` of the up file answers (a view both dropped and created…).
 */
export async function reverseDiff(
  current: Snapshot,
  previous: Snapshot | null,
  upStatements: ParsedStatement[],
): Promise<string[]> {
  const target = previous ?? emptySnapshot();
  const enums = renameEnumsBack(current, enumRenamesOf(upStatements, target, current));
  const plan = invertPlan(renamesOf(upStatements, target, enums.snapshot));
  const { statements } = await diffSnapshots(enums.snapshot, target, plan);
  return fixStatements([...enums.statements, ...statements], target);
}
