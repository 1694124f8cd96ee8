import { TidemarkError } from "../errors.js";
import { findConflicts } from "./conflicts.js";
import { diffSql } from "./drizzle-kit.js";
import { applyRenames, type RenamePlan, withoutObjects } from "./rewrite.js";
import { displayTable, type Snapshot, type SnapshotMeta } from "./snapshot.js";

/** SQL taking a database from one snapshot to another, with the renames it performs. */
export interface SnapshotDiff {
  statements: string[];
  meta: SnapshotMeta;
  /** `source` with the renames applied: what drizzle-kit actually diffed against. */
  renamedSource: Snapshot;
}

/**
 * The statements from `source` to `target` given the decided renames. Tables and columns that
 * still appear and disappear at once were answered "create new": they are diffed in two steps
 * (drop the old ones, then create the new ones) so drizzle-kit has nothing to ask. Other kinds
 * (enums, views, sequences…) cannot be answered here and fail with advice instead of a prompt.
 */
export async function diffSnapshots(
  source: Snapshot,
  target: Snapshot,
  plan: RenamePlan,
): Promise<SnapshotDiff> {
  const { renamed, statements, meta } = applyRenames(source, plan);
  const conflicts = findConflicts(renamed, target);
  const other = conflicts.find((c) => c.kind !== "table" && c.kind !== "column");
  if (other) {
    const where = other.table ? ` on table "${displayTable(other.table)}"` : "";
    throw new TidemarkError(
      "TM_GENERATE_FAILED",
      `${other.kind} ${other.created.join(", ")} appeared while ${other.deleted.join(", ")} disappeared${where}. ` +
        `Tidemark resolves table and column renames only. Make this change in two migrations: ` +
        `first add the new ${other.kind} (create), then remove the old one (create again).`,
      { details: { conflict: other } },
    );
  }
  if (conflicts.length === 0) {
    return { statements: [...statements, ...(await diffSql(renamed, target))], meta, renamedSource: renamed };
  }
  const tables = conflicts.filter((c) => c.kind === "table").flatMap((c) => c.deleted);
  const columns = conflicts
    .filter((c) => c.kind === "column" && c.table)
    .map((c) => ({ table: c.table as string, columns: c.deleted }));
  const mid = withoutObjects(renamed, tables, columns);
  const drops = await diffSql(renamed, mid);
  const creates = await diffSql(mid, target);
  return { statements: [...statements, ...drops, ...creates], meta, renamedSource: renamed };
}
