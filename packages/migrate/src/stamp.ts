import { withDatabase } from "./connection.js";
import { findRevision, readMigrations } from "./journal.js";
import { withMigrationLock } from "./lock.js";
import { analyze } from "./plan.js";
import {
  deleteDrizzleRow,
  ensureStateTables,
  insertDrizzleRow,
  readApplied,
  recordHistory,
} from "./state.js";
import type { EngineContext, Migration } from "./types.js";

/**
 * Mark the database as being at `revision` without running any SQL: migrations up to it are
 * recorded as applied, later ones forgotten. For baselining a database built by other means.
 */
export async function stamp(
  ctx: EngineContext,
  revision: string,
): Promise<{ revision: string; stamped: string[] }> {
  const migrations = await readMigrations(ctx.migrationsDir);
  const target = revision === "base" ? null : findRevision(migrations, revision);
  return withDatabase(
    ctx.databaseUrl,
    (sql) =>
      withMigrationLock(sql, ctx, async () => {
        await ensureStateTables(sql);
        const state = analyze(migrations, await readApplied(sql));
        const limit = target?.idx ?? -1;
        const add = state.pending.filter((m) => m.idx <= limit);
        const remove = state.appliedMigrations.filter((m) => m.idx > limit);
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
        ctx.logger.info(
          { revision: target?.tag ?? "base", added: add.length, removed: remove.length },
          "database stamped",
        );
        return { revision: target?.tag ?? "base", stamped: [...add, ...remove].map((m) => m.tag) };
      }),
    { create: true },
  );
}
