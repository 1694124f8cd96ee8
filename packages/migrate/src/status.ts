import { readTables } from "./catalog.js";
import { type Sql, withReader } from "./connection.js";
import { isTidemarkError } from "./errors.js";
import { toHistoryRow } from "./history.js";
import { readMigrations } from "./journal.js";
import { lockHolder } from "./lock.js";
import { analyze } from "./plan.js";
import { describeDatabaseUrl } from "./redact.js";
import type { HistoryRow, StatusReport } from "./reports.js";
import { invalidIndexes } from "./session.js";
import { isMissingTable, readApplied } from "./state.js";
import type { EngineContext } from "./types.js";

/** Result of the boot-time fast check. */
export interface UpToDateCheck {
  upToDate: boolean;
  hasMigrations: boolean;
  current: string | null;
  latest: string | null;
  pending: number;
}

/** "Database does not exist", whether from our own session or raw from a caller's pool. */
function missingDatabase(err: unknown): boolean {
  if (isTidemarkError(err)) return err.details.pgCode === "3D000";
  return (err as { code?: string }).code === "3D000";
}

/** One query: is the database at the newest revision with matching checksums? For API boot. */
export async function checkUpToDate(ctx: EngineContext): Promise<UpToDateCheck> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const applied = await withReader(ctx, readApplied).catch((err: unknown) => {
    if (missingDatabase(err)) return [];
    throw err;
  });
  const state = analyze(migrations, applied);
  const latest = migrations.at(-1)?.tag ?? null;
  return {
    upToDate: migrations.length > 0 && state.pending.length === 0 && state.drift.length === 0,
    hasMigrations: migrations.length > 0,
    current: state.current,
    latest,
    pending: state.pending.length,
  };
}

async function lastFailure(sql: Sql): Promise<HistoryRow | null> {
  try {
    const [row] = await sql`select * from "tidemark"."history" order by id desc limit 1`;
    const parsed = row ? toHistoryRow(row as Parameters<typeof toHistoryRow>[0]) : null;
    return parsed?.status === "failed" ? parsed : null;
  } catch (err) {
    if (isMissingTable(err)) return null;
    throw err;
  }
}

/** Full status: revisions, pending, drift, late merges, tables and columns, lock holder. */
export async function status(ctx: EngineContext): Promise<StatusReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const base = { database: describeDatabaseUrl(ctx.databaseUrl), environment: ctx.environment };
  const latest = migrations.at(-1)?.tag ?? null;
  try {
    return await withReader(ctx, async (sql) => {
      const [applied, tables, holder, invalid, failure] = await Promise.all([
        readApplied(sql),
        readTables(sql),
        lockHolder(sql),
        invalidIndexes(sql),
        lastFailure(sql),
      ]);
      const state = analyze(migrations, applied);
      return {
        ...base,
        databaseExists: true,
        current: state.current,
        latest,
        upToDate: state.pending.length === 0 && state.drift.length === 0,
        applied: state.applied.map((r) => ({
          revision: state.migrations.find((m) => m.when === r.createdAt)?.tag ?? null,
          hash: r.hash,
          createdAt: r.createdAt,
        })),
        pending: state.pending.map((m) => m.tag),
        drift: state.drift,
        late: state.late.map((m) => m.tag),
        invalidIndexes: invalid,
        tables,
        lockHolder: holder,
        lastFailure: failure,
      };
    });
  } catch (err) {
    if (!missingDatabase(err)) throw err;
    return {
      ...base,
      databaseExists: false,
      current: null,
      latest,
      upToDate: migrations.length === 0,
      applied: [],
      pending: migrations.map((m) => m.tag),
      drift: [],
      late: [],
      invalidIndexes: [],
      tables: [],
      lockHolder: null,
      lastFailure: null,
    };
  }
}
