import { readTables } from "../catalog.js";
import { readCatalog } from "../catalog-read.js";
import { type Sql, withReader } from "../connection.js";
import { type SchemaDrift, schemaDrift } from "../drift/drift.js";
import { isTidemarkError } from "../errors.js";
import { readMigrations } from "../journal.js";
import { lockHolder } from "../lock.js";
import { analyze, type MigrationState } from "../plan.js";
import { describeDatabaseUrl } from "../redact.js";
import type { StatusReport } from "../reports.js";
import { invalidIndexes } from "../session.js";
import { currentRevision, readApplied } from "../state.js";
import type { EngineContext } from "../types.js";
import { readFailureState } from "./failures.js";

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

/** The live schema against the fingerprint recorded for the current revision. */
export function driftOf(sql: Sql, ctx: EngineContext, state: MigrationState): Promise<SchemaDrift> {
  const revision = currentRevision(state.applied, state.migrations);
  const migration = state.migrations.find((m) => m.tag === revision);
  return schemaDrift(sql, ctx.migrationsDir, { revision, migration });
}

/** Full status: revisions, pending, file and schema drift, late merges, tables, lock holder, failures. */
export async function status(ctx: EngineContext): Promise<StatusReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const base = { database: describeDatabaseUrl(ctx.databaseUrl), environment: ctx.environment };
  const latest = migrations.at(-1)?.tag ?? null;
  try {
    return await withReader(ctx, async (sql) => {
      const [applied, holder, invalid] = await Promise.all([
        readApplied(sql),
        lockHolder(sql),
        invalidIndexes(sql),
      ]);
      const state = analyze(migrations, applied);
      const [failures, [tables, schema]] = await Promise.all([
        readFailureState(sql, state),
        readCatalog(sql, (tx) => Promise.all([readTables(tx), driftOf(tx, ctx, state)])),
      ]);
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
        lastFailure: failures.current,
        supersededFailure: failures.superseded,
        schemaDrift: schema,
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
      supersededFailure: null,
      schemaDrift: null,
    };
  }
}
