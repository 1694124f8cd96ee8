import type postgres from "postgres";
import { type Sql, sessionLost } from "../connection.js";
import { readMigrations } from "../journal.js";
import { withMigrationLock } from "../lock.js";
import { currentRevision, isMissingTable, readApplied } from "../state.js";
import type { EngineContext } from "../types.js";
import { readFingerprint, type SchemaObject } from "./fingerprint.js";

/** How the recorded schema came about: the kind of run that left the database in it. */
export type RecordedBy = "up" | "down" | "stamp" | "restore";

/** The schema as Tidemark left it at one revision (a row of `tidemark.schema_state`). */
export interface RecordedSchema {
  /** The revision the database was at, `null` for base (nothing applied). */
  revision: string | null;
  recordedAt: string;
  recordedBy: RecordedBy;
  hash: string;
  objects: SchemaObject[];
}

// The primary key cannot be null: base is stored as the empty string.
const BASE = "";

/** Create `tidemark.schema_state`: one fingerprint per revision, the newest run's wins. */
export async function ensureSchemaStateTable(sql: Sql): Promise<void> {
  await sql
    .unsafe(`
    CREATE SCHEMA IF NOT EXISTS "tidemark";
    CREATE TABLE IF NOT EXISTS "tidemark"."schema_state" (
      revision text PRIMARY KEY,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      recorded_by text NOT NULL,
      hash text NOT NULL,
      objects jsonb NOT NULL
    );`)
    .simple();
}

/** Fingerprint the live schema and record it as what the migrations built at `revision`. */
export async function recordSchemaState(sql: Sql, revision: string | null, by: RecordedBy): Promise<void> {
  await ensureSchemaStateTable(sql);
  const fp = await readFingerprint(sql);
  const objects = sql.json(fp.objects as unknown as postgres.JSONValue);
  await sql`
    insert into "tidemark"."schema_state" (revision, recorded_at, recorded_by, hash, objects)
    values (${revision ?? BASE}, now(), ${by}, ${fp.hash}, ${objects})
    on conflict (revision) do update set recorded_at = excluded.recorded_at,
      recorded_by = excluded.recorded_by, hash = excluded.hash, objects = excluded.objects`;
}

interface StateRecord {
  revision: string;
  recorded_at: Date | string;
  recorded_by: RecordedBy;
  hash: string;
  objects: SchemaObject[] | string;
}

function toRecorded(r: StateRecord): RecordedSchema {
  return {
    revision: r.revision === BASE ? null : r.revision,
    recordedAt: new Date(r.recorded_at).toISOString(),
    recordedBy: r.recorded_by,
    hash: r.hash,
    // A pool that drizzle reconfigured hands jsonb back as text.
    objects: typeof r.objects === "string" ? (JSON.parse(r.objects) as SchemaObject[]) : r.objects,
  };
}

/** The fingerprint recorded for `revision` and the newest one recorded for any revision. */
export async function readRecordedSchemas(
  sql: Sql,
  revision: string | null,
): Promise<{ forRevision: RecordedSchema | null; newest: RecordedSchema | null }> {
  try {
    const rows = await sql<(StateRecord & { newest: boolean })[]>`
      (select *, true as newest from "tidemark"."schema_state" order by recorded_at desc limit 1)
      union all
      (select *, false from "tidemark"."schema_state" where revision = ${revision ?? BASE})`;
    const newest = rows.find((r) => r.newest);
    const match = rows.find((r) => !r.newest);
    return { forRevision: match ? toRecorded(match) : null, newest: newest ? toRecorded(newest) : null };
  } catch (err) {
    if (isMissingTable(err)) return { forRevision: null, newest: null };
    throw err;
  }
}

/**
 * Run `fn` (a run under the migration lock) and afterwards record the schema it left, when
 * the revision moved (or after any finished restore). Also after a failure: the steps that
 * committed before it are the new baseline. Recording never hides the run's own error.
 */
export async function withSchemaRecord<T>(
  sql: Sql,
  ctx: EngineContext,
  by: Exclude<RecordedBy, "stamp">,
  fn: () => Promise<T>,
): Promise<T> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const revisionNow = async () => currentRevision(await readApplied(sql), migrations);
  const before = await revisionNow();
  const record = async (succeeded: boolean) => {
    if (sessionLost(sql)) return;
    try {
      const after = await revisionNow();
      // A restore changes the schema even at the same revision, but only a finished one is a baseline.
      if (after !== before || (by === "restore" && succeeded)) await recordSchemaState(sql, after, by);
    } catch (err) {
      ctx.logger.warn(
        { err },
        "could not record the schema fingerprint; status cannot report drift until the next run",
      );
    }
  };
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await record(false);
    throw err;
  }
  await record(true);
  return result;
}

/** {@link withMigrationLock} that records the schema the run leaves behind (see {@link withSchemaRecord}). */
export function withRecordedLock<T>(
  sql: Sql,
  ctx: EngineContext,
  by: Exclude<RecordedBy, "stamp">,
  fn: () => Promise<T>,
): Promise<T> {
  return withMigrationLock(sql, ctx, () => withSchemaRecord(sql, ctx, by, fn));
}
