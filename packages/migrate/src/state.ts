import type postgres from "postgres";
import type { Sql } from "./connection.js";
import type { HistoryRow } from "./reports.js";
import type { Migration } from "./types.js";

/** A row of drizzle's own bookkeeping table. */
export interface DrizzleRow {
  id: number;
  hash: string;
  createdAt: number;
}

/** A row to append to `tidemark.history`: a {@link HistoryRow} before the database gives it an id. */
export type NewHistoryRow = Omit<HistoryRow, "id" | "startedAt" | "finishedAt"> & {
  startedAt: Date;
  finishedAt: Date | null;
};

/** Create `drizzle.__drizzle_migrations` (drizzle-orm's exact DDL) and `tidemark.history` if missing. */
export async function ensureStateTables(sql: Sql): Promise<void> {
  // Kept byte-compatible with drizzle-orm's pg migrator so `drizzle-kit migrate` sees the same state.
  await sql
    .unsafe(`
    CREATE SCHEMA IF NOT EXISTS "drizzle";
    CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (
      id SERIAL PRIMARY KEY,
      hash text NOT NULL,
      created_at bigint
    );
    CREATE SCHEMA IF NOT EXISTS "tidemark";
    CREATE TABLE IF NOT EXISTS "tidemark"."history" (
      id bigserial PRIMARY KEY,
      revision text NOT NULL,
      direction text NOT NULL CHECK (direction IN ('up', 'down', 'restore', 'stamp')),
      checksum text,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      duration_ms integer,
      applied_by jsonb NOT NULL,
      environment text NOT NULL,
      status text NOT NULL CHECK (status IN ('ok', 'failed')),
      error text,
      backup_file text
    );`)
    .simple();
}

/** True when `err` is "relation does not exist" (state tables not created yet). */
export function isMissingTable(err: unknown): boolean {
  return (err as { code?: string }).code === "42P01" || (err as { code?: string }).code === "3F000";
}

/** Applied rows in apply order; empty when drizzle's table does not exist yet. */
export async function readApplied(sql: Sql): Promise<DrizzleRow[]> {
  try {
    const rows = await sql<{ id: number; hash: string; created_at: string | null }[]>`
      select id, hash, created_at from "drizzle"."__drizzle_migrations" order by created_at, id`;
    return rows.map((r) => ({ id: r.id, hash: r.hash, createdAt: Number(r.created_at) }));
  } catch (err) {
    if (isMissingTable(err)) return [];
    throw err;
  }
}

/** The journal entry a drizzle row stands for: drizzle identifies migrations by `when`. */
export function matchRow(row: DrizzleRow, migrations: Migration[]): Migration | undefined {
  return migrations.find((m) => m.when === row.createdAt);
}

/** The revision of the newest applied row, matched to the journal by `when` (drizzle's created_at). */
export function currentRevision(applied: DrizzleRow[], migrations: Migration[]): string | null {
  const last = applied.at(-1);
  if (!last) return null;
  return matchRow(last, migrations)?.tag ?? `unknown@${last.createdAt}`;
}

/** Record a migration as applied, exactly as drizzle-orm's migrator does. */
export async function insertDrizzleRow(sql: Sql, m: Migration): Promise<void> {
  await sql`insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values (${m.checksum}, ${m.when})`;
}

/** Forget an applied migration (rollback, stamp backwards). */
export async function deleteDrizzleRow(sql: Sql, createdAt: number): Promise<void> {
  await sql`delete from "drizzle"."__drizzle_migrations" where created_at = ${createdAt}`;
}

/** Append one row to `tidemark.history`. */
export async function recordHistory(sql: Sql, row: NewHistoryRow): Promise<void> {
  await sql`
    insert into "tidemark"."history"
      (revision, direction, checksum, started_at, finished_at, duration_ms, applied_by, environment, status, error, backup_file)
    values (${row.revision}, ${row.direction}, ${row.checksum}, ${row.startedAt}, ${row.finishedAt}, ${row.durationMs},
      ${sql.json(row.appliedBy as postgres.JSONValue)}, ${row.environment}, ${row.status}, ${row.error}, ${row.backupFile})`;
}
