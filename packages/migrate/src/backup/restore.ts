import { type Sql, withDatabase } from "../connection.js";
import { TidemarkError } from "../errors.js";
import { readMigrations } from "../journal.js";
import { withMigrationLock } from "../lock.js";
import { databaseName, describeDatabaseUrl } from "../redact.js";
import type { RestoreReport } from "../reports.js";
import {
  currentRevision,
  ensureStateTables,
  type NewHistoryRow,
  readApplied,
  recordHistory,
} from "../state.js";
import type { EngineContext, ProgressEvent } from "../types.js";
import { carryHistoryOver, readHistoryRows } from "./audit.js";
import { backup, backupDirOf } from "./backup.js";
import { resolveBackupFile } from "./confine.js";
import {
  checkPgToolsOn,
  majorVersion,
  PgToolFailure,
  type PgToolOptions,
  runPgTool,
  withToolConnection,
} from "./pgtools.js";
import { type BackupInfo, hashFile, readSidecar } from "./store.js";

/** Options of {@link restore}. */
export interface RestoreOptions extends PgToolOptions {
  /** A dump in BACKUP_DIR: its name, or a path that resolves inside the directory. */
  file: string;
  /** Skip the safety backup of the current database (DESIGN §9: `--no-backup`). */
  noBackup?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

/** What a restore did and where the database stands now. */
export type { RestoreReport } from "../reports.js";

function invalid(file: string, message: string, cause?: unknown): TidemarkError {
  return new TidemarkError("TM_BACKUP_INVALID", `${file}: ${message}`, { cause, details: { file } });
}

/** Check the sidecar's size and sha256 against the file; the sidecar is the promise of what the dump was. */
async function verifyChecksum(file: string): Promise<Omit<BackupInfo, "file">> {
  const meta = await readSidecar(file);
  if (!meta) {
    throw invalid(
      file,
      "has no valid .json sidecar, so its integrity cannot be checked. Restore only backups Tidemark wrote, or restore this one by hand with pg_restore.",
    );
  }
  const actual = await hashFile(file);
  if (actual.size !== meta.size) {
    throw invalid(
      file,
      `is ${actual.size} bytes but its sidecar records ${meta.size}: the dump is truncated or was modified. Pick another backup (\`tidemark backups\`).`,
    );
  }
  if (actual.sha256 !== meta.sha256) {
    throw invalid(
      file,
      "does not match the sha256 in its sidecar: the dump was modified or is corrupt. Pick another backup (`tidemark backups`).",
    );
  }
  return meta;
}

/** `pg_restore --list`: proves the archive header and table of contents are readable; returns its tables. */
async function listArchive(file: string, options: PgToolOptions, serverMajor?: number): Promise<Set<string>> {
  let toc: string;
  try {
    toc = await runPgTool("pg_restore", ["--list", file], { ...options, serverMajor });
  } catch (cause) {
    if (!(cause instanceof PgToolFailure)) throw cause;
    throw invalid(
      file,
      `is not a dump pg_restore can read (${cause.stderr.trim()}). It may be truncated, plain SQL, or written by a newer pg_dump.`,
      cause,
    );
  }
  // Entry lines look like `214; 1259 16420 TABLE public users postgres`.
  const tables = new Set<string>();
  for (const line of toc.split("\n")) {
    const m = /^\d+; \d+ \d+ TABLE (\S+) (.+) \S+$/.exec(line);
    if (m) tables.add(`${m[1]}.${m[2]}`);
  }
  return tables;
}

// Bookkeeping schemas are left out: ensureStateTables recreates them when the dump predates Tidemark.
async function userTables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select schemaname || '.' || tablename as name from pg_tables
    where schemaname not in ('pg_catalog', 'information_schema', 'drizzle', 'tidemark') order by 1`;
  return rows.map((r) => r.name);
}

/**
 * Restore a dump from BACKUP_DIR over the database. Everything about the file is checked before
 * the database is touched; then, under the migration lock, a safety backup is taken and the dump
 * restored in one transaction. The audit trail of `tidemark.history` is carried across and the
 * restore itself recorded.
 */
export async function restore(ctx: EngineContext, options: RestoreOptions): Promise<RestoreReport> {
  const file = await resolveBackupFile(backupDirOf(ctx), options.file);
  const meta = await verifyChecksum(file);
  const migrations = await readMigrations(ctx.migrationsDir);
  const target = describeDatabaseUrl(ctx.databaseUrl);

  const dumpTables = await listArchive(file, options, majorVersion(meta.serverVersion) ?? undefined);

  // A database that was dropped is exactly when a restore is needed: create it if missing.
  return withDatabase(
    ctx.databaseUrl,
    async (sql) => {
      await checkPgToolsOn(sql, options);
      if (meta.database !== databaseName(ctx.databaseUrl)) {
        ctx.logger.warn(
          { event: "restore.other_database", file, dumpedFrom: meta.database, target },
          "Restoring a dump taken from another database",
        );
      }

      return withMigrationLock(sql, ctx, async () => {
        const safety = options.noBackup ? null : await safetyBackup(ctx, meta.name, options);
        if (safety) options.onProgress?.({ type: "backup", file: safety.file });

        // The dump carries its own tidemark.history; keep what happened since, to put it back.
        const before = await readHistoryRows(sql);
        const startedAt = new Date();
        const step = { revision: meta.revision ?? "base", index: 0, total: 1 };
        options.onProgress?.({ type: "step-start", ...step });
        const event: Omit<NewHistoryRow, "revision" | "finishedAt" | "durationMs" | "status" | "error"> = {
          direction: "restore",
          checksum: meta.sha256,
          startedAt,
          appliedBy: { ...ctx.actor, restoredFrom: meta.name },
          environment: ctx.environment,
          backupFile: safety?.file ?? null,
        };

        try {
          await withToolConnection(ctx.databaseUrl, (dbname) =>
            runPgTool(
              "pg_restore",
              ["--clean", "--if-exists", "--single-transaction", "--no-owner", `--dbname=${dbname}`, file],
              options,
            ),
          );
        } catch (cause) {
          const reason =
            cause instanceof PgToolFailure ? cause.stderr.trim() : String((cause as Error)?.message ?? cause);
          await recordFailure(sql, { ...event, revision: step.revision, error: reason }, ctx);
          const wayBack = safety
            ? ` The safety backup ${safety.name} holds the state before this attempt.`
            : "";
          throw new TidemarkError(
            "TM_RESTORE_FAILED",
            `Restoring ${meta.name} into ${target} failed and was rolled back (single transaction), so the database is unchanged: ${reason}.${wayBack}`,
            { cause, details: { file, safetyBackup: safety?.file ?? null } },
          );
        }

        await ensureStateTables(sql);
        const applied = await readApplied(sql);
        const revision = currentRevision(applied, migrations);
        const finishedAt = new Date();
        const durationMs = finishedAt.getTime() - startedAt.getTime();
        const reappended = await carryHistoryOver(sql, before, {
          ...event,
          revision: revision ?? "base",
          finishedAt,
          durationMs,
          status: "ok",
          error: null,
        });
        options.onProgress?.({ type: "step-done", ...step, durationMs });

        const appliedWhen = new Set(applied.map((a) => a.createdAt));
        const pending = migrations.filter((m) => !appliedWhen.has(m.when)).map((m) => m.tag);
        const extraTables = (await userTables(sql)).filter((t) => !dumpTables.has(t));
        if (revision !== meta.revision) {
          ctx.logger.warn(
            { event: "restore.revision_mismatch", expected: meta.revision, actual: revision },
            "The restored revision differs from the one recorded in the sidecar; check the migrations folder",
          );
        }
        if (extraTables.length > 0) {
          ctx.logger.warn(
            { event: "restore.extra_tables", tables: extraTables },
            "Tables that are not in the backup were left in place; drop them before running upgrade",
          );
        }
        ctx.logger.info(
          {
            event: "restore.done",
            file,
            database: target,
            revision,
            pending,
            reappended,
            safetyBackup: safety?.file ?? null,
            durationMs,
          },
          "Backup restored",
        );
        return { file, safetyBackup: safety?.file ?? null, revision, pending, extraTables };
      });
    },
    { create: true },
  );
}

/** Record a failed restore in the audit trail, if there is one; never masks the restore's own error. */
async function recordFailure(
  sql: Sql,
  row: Omit<NewHistoryRow, "finishedAt" | "durationMs" | "status">,
  ctx: EngineContext,
): Promise<void> {
  try {
    const [exists] = await sql<
      { present: boolean }[]
    >`select to_regclass('tidemark.history') is not null as present`;
    if (!exists?.present) return;
    const finishedAt = new Date();
    await recordHistory(sql, {
      ...row,
      finishedAt,
      durationMs: finishedAt.getTime() - row.startedAt.getTime(),
      status: "failed",
    });
  } catch (err) {
    ctx.logger.warn(
      { event: "restore.history_failed", err },
      "Could not record the failed restore in tidemark.history",
    );
  }
}

/** The backup taken before a restore; if it cannot be taken, the restore does not start. */
async function safetyBackup(
  ctx: EngineContext,
  restoring: string,
  options: PgToolOptions,
): Promise<BackupInfo> {
  try {
    return await backup(ctx, {
      reason: "safety",
      label: `before restoring ${restoring}`,
      pgBin: options.pgBin,
    });
  } catch (err) {
    if (err instanceof TidemarkError && err.code === "TM_BACKUP_FAILED") {
      throw new TidemarkError(
        "TM_BACKUP_FAILED",
        `Restore not started, the database is unchanged: the safety backup failed. ${err.message} To restore without a safety backup, pass --no-backup.`,
        { cause: err, details: err.details },
      );
    }
    throw err;
  }
}
