import { isMissingDatabase, type Sql, withDatabase, withReader } from "../connection.js";
import { readFingerprint } from "../drift/fingerprint.js";
import { recordSchemaState } from "../drift/schema-state.js";
import { compareWithSnapshot } from "../drift/snapshots.js";
import { findRevision, readMigrations } from "../journal.js";
import { withMigrationLock } from "../lock.js";
import { analyze, type MigrationState } from "../plan.js";
import {
  deleteDrizzleRow,
  ensureStateTables,
  insertDrizzleRow,
  readApplied,
  recordHistory,
} from "../state.js";
import type { EngineContext, Migration } from "../types.js";

/** What a stamp would record: no SQL of any migration runs, only the bookkeeping changes. */
export interface StampPreview {
  from: string | null;
  to: string | null;
  /** Migrations recorded as applied without running them. */
  mark: string[];
  /** Migrations forgotten: recorded as not applied, though what they did stays in the database. */
  unmark: string[];
  /** Tables drizzle-kit's snapshot of the target names that the database lacks; null without a snapshot. */
  missingTables: string[] | null;
  /** Tables the database has that the target's snapshot does not (e.g. what unmarked migrations created). */
  extraTables: string[] | null;
}

/** Result of {@link stamp}. */
export interface StampReport {
  revision: string;
  /** Every migration whose bookkeeping changed, marked or unmarked. */
  stamped: string[];
  marked: string[];
  unmarked: string[];
  /** True when the live schema was recorded as what the migrations built (a forward stamp). */
  schemaRecorded: boolean;
}

function planStamp(state: MigrationState, target: Migration | null) {
  const limit = target?.idx ?? -1;
  return {
    add: state.pending.filter((m) => m.idx <= limit),
    remove: state.appliedMigrations.filter((m) => m.idx > limit),
  };
}

/** The live tables against the target's snapshot; base expects no tables at all. */
async function tablesAgainst(sql: Sql, dir: string, target: Migration | null) {
  const live = (await readFingerprint(sql)).objects.filter((o) => o.kind === "table").map((o) => o.name);
  if (!target) return { missing: [], extra: live.map((t) => t.replaceAll('"', "")) };
  return compareWithSnapshot(dir, target, live);
}

/** What `stamp revision` would mark and un-mark, and what the database lacks for it; changes nothing. */
export async function previewStamp(ctx: EngineContext, revision: string): Promise<StampPreview> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const target = revision === "base" ? null : findRevision(migrations, revision);
  try {
    return await withReader(ctx, async (sql) => {
      const state = analyze(migrations, await readApplied(sql));
      const { add, remove } = planStamp(state, target);
      const tables = await tablesAgainst(sql, ctx.migrationsDir, target);
      return {
        from: state.current,
        to: target?.tag ?? null,
        mark: add.map((m) => m.tag),
        unmark: remove.map((m) => m.tag),
        missingTables: tables?.missing ?? null,
        extraTables: tables?.extra ?? null,
      };
    });
  } catch (err) {
    if (!isMissingDatabase(err)) throw err;
    // Stamp creates the database: then it has none of the tables.
    const { add } = planStamp(analyze(migrations, []), target);
    const tables = target ? await compareWithSnapshot(ctx.migrationsDir, target, []) : null;
    return {
      from: null,
      to: target?.tag ?? null,
      mark: add.map((m) => m.tag),
      unmark: [],
      missingTables: tables?.missing ?? null,
      extraTables: tables ? [] : null,
    };
  }
}

/**
 * Mark the database as being at `revision` without running any SQL: migrations up to it are
 * recorded as applied, later ones forgotten. For baselining a database built by other means.
 * A forward stamp records the live schema as what the migrations built; a backward one does
 * not (the schema still holds what the forgotten migrations did), so status reports the mismatch.
 */
export async function stamp(ctx: EngineContext, revision: string): Promise<StampReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const target = revision === "base" ? null : findRevision(migrations, revision);
  return withDatabase(
    ctx.databaseUrl,
    (sql) =>
      withMigrationLock(sql, ctx, async () => {
        await ensureStateTables(sql);
        const state = analyze(migrations, await readApplied(sql));
        const { add, remove } = planStamp(state, target);
        await sql.begin(async (tx) => {
          const record = (m: Migration) =>
            recordHistory(tx as unknown as typeof sql, {
              revision: m.tag,
              direction: "stamp",
              checksum: m.checksum,
              startedAt: new Date(),
              finishedAt: new Date(),
              durationMs: 0,
              appliedBy: { ...ctx.actor },
              environment: ctx.environment,
              status: "ok",
              error: null,
              backupFile: null,
            });
          for (const m of add) {
            await insertDrizzleRow(tx as unknown as typeof sql, m);
            await record(m);
          }
          for (const m of remove) {
            await deleteDrizzleRow(tx as unknown as typeof sql, m.when);
            await record(m);
          }
        });
        const schemaRecorded = remove.length === 0;
        if (schemaRecorded) await recordSchemaState(sql, target?.tag ?? null, "stamp");
        ctx.logger.info(
          { revision: target?.tag ?? "base", added: add.length, removed: remove.length, schemaRecorded },
          "database stamped",
        );
        return {
          revision: target?.tag ?? "base",
          stamped: [...add, ...remove].map((m) => m.tag),
          marked: add.map((m) => m.tag),
          unmarked: remove.map((m) => m.tag),
          schemaRecorded,
        };
      }),
    { create: ctx.createDatabase ?? true },
  );
}
