import type { Sql } from "./connection.js";
import type { Migration } from "./types.js";

/** A row of drizzle's own bookkeeping table. */
export interface DrizzleRow {
  id: number;
  hash: string;
  createdAt: number;
}

/** A row to append to `tidemark.history`. `direction` also takes 'restore' and 'stamp' for non-migration events. */
export interface NewHistoryRow {
  revision: string;
  direction: "up" | "down" | "restore" | "stamp";
  checksum: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  appliedBy: Record<string, unknown>;
  environment: string;
  status: "ok" | "failed";
  error: string | null;
  backupFile: string | null;
}

/** Create `drizzle.__drizzle_migrations` (drizzle-orm's exact DDL) and `tidemark.history` if missing. */
export async function ensureStateTables(_sql: Sql): Promise<void> {
  throw new Error("not implemented yet");
}

/** Applied rows in apply order; empty when drizzle's table does not exist yet. */
export async function readApplied(_sql: Sql): Promise<DrizzleRow[]> {
  throw new Error("not implemented yet");
}

/** The revision of the newest applied row, matched to the journal by `when` (drizzle's created_at). */
export function currentRevision(_applied: DrizzleRow[], _migrations: Migration[]): string | null {
  throw new Error("not implemented yet");
}

/** Append one row to `tidemark.history`. */
export async function recordHistory(_sql: Sql, _row: NewHistoryRow): Promise<void> {
  throw new Error("not implemented yet");
}
