import { TidemarkError } from "../errors.js";
import { findConflicts } from "./conflicts.js";
import { applyRenames, type RenamePlan } from "./rewrite.js";
import { displayTable, parseTableName, type Snapshot } from "./snapshot.js";
import type { RenameAnswer, RenameOptions, RenameQuestion } from "./types.js";

type Resolver = ((q: RenameQuestion) => Promise<RenameAnswer>) | undefined;

function usage(message: string): TidemarkError {
  return new TidemarkError("TM_USAGE", message);
}

function tableRenamesFromOptions(
  prev: Snapshot,
  cur: Snapshot,
  tables: Record<string, string>,
): RenamePlan["tables"] {
  return Object.entries(tables).map(([oldName, newName]) => {
    const from = parseTableName(oldName);
    const schema = from.slice(0, from.indexOf("."));
    const to = newName.includes(".") ? newName : `${schema}.${newName}`;
    if (!to.startsWith(`${schema}.`)) {
      throw usage(
        `--rename-table ${oldName}=${newName} moves the table to another schema; only renames are supported.`,
      );
    }
    if (!prev.tables[from])
      throw usage(`--rename-table: table "${oldName}" is not in the previous snapshot.`);
    if (!cur.tables[to]) throw usage(`--rename-table: table "${newName}" is not in the schema.`);
    if (cur.tables[from])
      throw usage(`--rename-table: "${oldName}" is still in the schema, so it was not renamed.`);
    if (prev.tables[to]) throw usage(`--rename-table: "${newName}" already existed before this change.`);
    return { from, to };
  });
}

function columnRenamesFromOptions(
  renamed: Snapshot,
  cur: Snapshot,
  tables: RenamePlan["tables"],
  columns: Record<string, string>,
): RenamePlan["columns"] {
  return Object.entries(columns).map(([ref, to]) => {
    const dot = ref.lastIndexOf(".");
    if (dot <= 0 || dot === ref.length - 1) {
      throw usage(
        `--rename ${ref}=${to}: name the column as table.column, e.g. --rename users.email=email_address.`,
      );
    }
    const named = parseTableName(ref.slice(0, dot));
    const from = ref.slice(dot + 1);
    // Accept the table's old or new name when the table is renamed in the same migration.
    const moved = tables.find((t) => t.from === named);
    const targetTable = moved ? moved.to : named;
    const sourceTable = moved ? moved.from : (tables.find((t) => t.to === named)?.from ?? named);
    const before = renamed.tables[targetTable];
    const after = cur.tables[targetTable];
    if (!before || !after)
      throw usage(`--rename ${ref}=${to}: table "${displayTable(named)}" is not in both versions.`);
    if (!before.columns[from]) throw usage(`--rename ${ref}=${to}: column "${from}" did not exist before.`);
    if (!after.columns[to]) throw usage(`--rename ${ref}=${to}: column "${to}" is not in the schema.`);
    if (after.columns[from])
      throw usage(`--rename ${ref}=${to}: "${from}" is still in the schema, so it was not renamed.`);
    if (before.columns[to]) throw usage(`--rename ${ref}=${to}: "${to}" already existed before this change.`);
    return { sourceTable, targetTable, from, to };
  });
}

function unresolved(q: RenameQuestion): TidemarkError {
  const gone = q.candidates.map((c) => `"${c}"`).join(", ");
  const flag =
    q.kind === "table"
      ? `--rename-table ${q.candidates[0]}=${q.created}`
      : `--rename ${q.table}.${q.candidates[0]}=${q.created}`;
  const what = q.kind === "table" ? `Table "${q.created}"` : `Column "${q.table}.${q.created}"`;
  return new TidemarkError(
    "TM_GENERATE_FAILED",
    `${what} is new while ${gone} disappeared: that is either a rename or a drop plus a create, and ` +
      `Tidemark never guesses (a wrong guess deletes data). If it is a rename, pass ${flag}. ` +
      "If the old one must really be dropped, run create on a terminal to answer the prompt, or make " +
      "the change in two migrations (remove the old one, create, then add the new one, create).",
    { details: { question: q } },
  );
}

async function ask(resolver: Resolver, question: RenameQuestion): Promise<RenameAnswer> {
  if (!resolver) throw unresolved(question);
  const answer = await resolver(question);
  if (answer.action === "rename" && !question.candidates.includes(answer.from)) {
    throw usage(`"${answer.from}" is not one of ${question.candidates.join(", ")}.`);
  }
  return answer;
}

/**
 * Decide every rename between `prev` and `cur`: first the explicit ones, then — for each object
 * that appeared while others of its kind disappeared — the caller's `resolveRename` (a prompt),
 * asked in drizzle-kit's order. Without an answer, fail rather than let drizzle-kit turn a rename
 * into a drop + add. Conflicts answered "create" stay in the snapshots; the differ handles them.
 */
export async function resolveRenames(
  prev: Snapshot,
  cur: Snapshot,
  options: RenameOptions = {},
  resolver?: Resolver,
): Promise<RenamePlan> {
  const plan: RenamePlan = { tables: tableRenamesFromOptions(prev, cur, options.tables ?? {}), columns: [] };

  const tableConflict = findConflicts(applyRenames(prev, plan).renamed, cur).find((c) => c.kind === "table");
  if (tableConflict) {
    const left = [...tableConflict.deleted];
    for (const [i, created] of tableConflict.created.entries()) {
      if (left.length === 0) break;
      const candidates = left.map(displayTable);
      const question: RenameQuestion = {
        kind: "table",
        created: displayTable(created),
        candidates,
        droppedIfCreated: i === tableConflict.created.length - 1 ? candidates : [],
      };
      const answer = await ask(resolver, question);
      if (answer.action !== "rename") continue;
      const from = parseTableName(answer.from);
      if (from.slice(0, from.indexOf(".")) !== created.slice(0, created.indexOf("."))) {
        throw usage(`Moving "${answer.from}" to another schema is not supported; rename within one schema.`);
      }
      plan.tables.push({ from, to: created });
      left.splice(left.indexOf(from), 1);
    }
  }

  const afterTables = applyRenames(prev, plan).renamed;
  plan.columns = columnRenamesFromOptions(afterTables, cur, plan.tables, options.columns ?? {});
  const afterColumns = applyRenames(prev, plan).renamed;
  for (const conflict of findConflicts(afterColumns, cur)) {
    if (conflict.kind !== "column" || !conflict.table) continue;
    const targetTable = conflict.table;
    const sourceTable = plan.tables.find((t) => t.to === targetTable)?.from ?? targetTable;
    const left = [...conflict.deleted];
    for (const [i, created] of conflict.created.entries()) {
      if (left.length === 0) break;
      const table = displayTable(targetTable);
      const last = i === conflict.created.length - 1;
      const answer = await ask(resolver, {
        kind: "column",
        table,
        created,
        candidates: [...left],
        droppedIfCreated: last ? [...left] : [],
      });
      if (answer.action !== "rename") continue;
      plan.columns.push({ sourceTable, targetTable, from: answer.from, to: created });
      left.splice(left.indexOf(answer.from), 1);
    }
  }
  return plan;
}
