/**
 * Tables and columns a new migration drops. Code that is still running during a deploy (the
 * previous release, drizzle's generated SELECTs naming every column of its schema) may still
 * read them, so `create` only writes such a drop once someone said so: a prompt on a terminal,
 * `--allow-drop` elsewhere. The safe flow is two deploys, described by the lint rules
 * drop-table and drop-column (lint/rules.ts).
 */
import { TidemarkError } from "../errors.js";
import { applyRenames, type RenamePlan } from "./rewrite.js";
import { displayTable, type Snapshot } from "./snapshot.js";

/** A table (`posts`, `auth.users`) or column (`posts.title`) the new migration drops. */
export interface PlannedDrop {
  kind: "table" | "column";
  name: string;
}

/** What `plan` leaves of `previous` that `current` no longer has: the drops of this change. */
export function plannedDrops(previous: Snapshot, current: Snapshot, plan: RenamePlan): PlannedDrop[] {
  const renamed = applyRenames(previous, plan).renamed;
  const drops: PlannedDrop[] = [];
  for (const [key, table] of Object.entries(renamed.tables)) {
    const now = current.tables[key];
    if (!now) {
      drops.push({ kind: "table", name: displayTable(key) });
      continue;
    }
    for (const column of Object.keys(table.columns)) {
      if (!now.columns[column]) drops.push({ kind: "column", name: `${displayTable(key)}.${column}` });
    }
  }
  return drops;
}

/** One line per drop, for prompts and refusals. */
export function describeDrops(drops: PlannedDrop[]): string {
  return drops.map((d) => `DROP ${d.kind === "table" ? "TABLE" : "COLUMN"} ${d.name}`).join(", ");
}

/** The refusal when drops were not allowed: what would be dropped and the two ways on. */
export function dropsRefused(drops: PlannedDrop[]): TidemarkError {
  const [it, they] = drops.length > 1 ? ["them", "they"] : ["it", "it"];
  return new TidemarkError(
    "TM_REFUSED",
    `The new migration would ${describeDrops(drops)}, and the code that is running now may still read ${it}. Nothing was written. ` +
      `If no deployed code uses ${it} any more (${they} left the schema and the code in an earlier deploy), re-run create with --allow-drop. ` +
      `Otherwise deploy the code without ${it} first, then create the drop.`,
    { details: { drops } },
  );
}
