import { TidemarkError } from "./errors.js";
import { findRevision } from "./journal.js";
import type { DriftItem } from "./reports.js";
import { type DrizzleRow, matchRow } from "./state.js";
import type { Migration } from "./types.js";

/** Journal and database compared: what is applied, pending, changed or out of order. */
export interface MigrationState {
  migrations: Migration[];
  applied: DrizzleRow[];
  /** Applied migrations that still exist on disk, in apply order. */
  appliedMigrations: Migration[];
  current: string | null;
  pending: Migration[];
  drift: DriftItem[];
  /** Pending migrations older than the newest applied one: merged late, drizzle would skip them. */
  late: Migration[];
}

/** Compare the journal with drizzle's rows. Pure, so it is cheap to test. */
export function analyze(migrations: Migration[], applied: DrizzleRow[]): MigrationState {
  const drift: DriftItem[] = [];
  const appliedMigrations: Migration[] = [];
  for (const row of applied) {
    const m = matchRow(row, migrations);
    if (!m) {
      drift.push({ revision: `unknown@${row.createdAt}`, kind: "missing", appliedChecksum: row.hash });
      continue;
    }
    appliedMigrations.push(m);
    if (m.checksum !== row.hash) {
      drift.push({ revision: m.tag, kind: "changed", appliedChecksum: row.hash, fileChecksum: m.checksum });
    }
  }
  const appliedWhen = new Set(applied.map((r) => r.createdAt));
  const pending = migrations.filter((m) => !appliedWhen.has(m.when));
  const newestApplied = Math.max(-Infinity, ...applied.map((r) => r.createdAt));
  const late = pending.filter((m) => m.when < newestApplied);
  const last = appliedMigrations.at(-1);
  return { migrations, applied, appliedMigrations, current: last?.tag ?? null, pending, drift, late };
}

/** Refuse to migrate on top of a history that no longer matches the files. */
export function assertConsistent(state: MigrationState): void {
  const changed = state.drift.filter((d) => d.kind === "changed");
  if (changed.length) {
    const names = changed.map((d) => d.revision).join(", ");
    throw new TidemarkError(
      "TM_CHECKSUM_MISMATCH",
      `Applied migration${changed.length > 1 ? "s" : ""} ${names} changed on disk since ${changed.length > 1 ? "they were" : "it was"} applied. Restore the original file from version control and put the change in a new migration (pnpm cli create).`,
      { details: { drift: changed } },
    );
  }
  const missing = state.drift.filter((d) => d.kind === "missing");
  if (missing.length) {
    throw new TidemarkError(
      "TM_MIGRATION_MISSING",
      `The database has ${missing.length} applied migration(s) that are not in the journal (${missing.map((d) => d.revision).join(", ")}). Restore the deleted migration files and journal entries; if this database was migrated from another branch, roll it back there first.`,
      { details: { drift: missing } },
    );
  }
  if (state.late.length) {
    const names = state.late.map((m) => m.tag).join(", ");
    throw new TidemarkError(
      "TM_LATE_MIGRATION",
      `Migration ${names} is older than the newest applied one (${state.current}); it was probably merged late. It would be skipped by drizzle-kit, so Tidemark refuses to guess: regenerate it on top of the current history (move its journal entry last with a newer "when"), then run upgrade again.`,
      { details: { late: state.late.map((m) => m.tag), current: state.current } },
    );
  }
}

/** Pending migrations to apply, in journal order, up to and including `to`. */
export function planUpgrade(state: MigrationState, to?: string): Migration[] {
  assertConsistent(state);
  if (!to) return state.pending;
  const target = findRevision(state.migrations, to);
  return state.pending.filter((m) => m.idx <= target.idx);
}

/** Applied migrations to undo, newest first, so the database ends at `to` ('prev', 'base' or a revision). */
export function planRollback(state: MigrationState, to: string): Migration[] {
  const applied = [...state.appliedMigrations].reverse();
  if (to === "prev") return applied.slice(0, 1);
  if (to === "base") return applied;
  const target = findRevision(state.migrations, to);
  const position = state.appliedMigrations.indexOf(target);
  if (position < 0) {
    throw new TidemarkError(
      "TM_UNKNOWN_REVISION",
      `Revision ${target.tag} is not applied (current: ${state.current ?? "base"}), so there is nothing to roll back to. Use upgrade --to ${target.tag} instead.`,
      { details: { revision: target.tag } },
    );
  }
  return applied.slice(0, state.appliedMigrations.length - 1 - position);
}
