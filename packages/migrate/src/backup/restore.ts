import { type Sql, sessionLost, withDatabase } from "../connection.js";
import { withRecordedLock } from "../drift/schema-state.js";
import { TidemarkError } from "../errors.js";
import { readSystemIdentifier } from "../identity.js";
import { readMigrations } from "../journal.js";
import { databaseName, describeDatabaseUrl } from "../redact.js";
import type { RestoreReport } from "../reports.js";
import { currentRevision, ensureStateTables, type NewHistoryRow, readApplied } from "../state.js";
import type { EngineContext, Migration, ProgressEvent } from "../types.js";
import { carryHistoryOver, readHistoryRows, recordFailure } from "./audit.js";
import { backup, backupDirOf } from "./backup.js";
import { resolveBackupFile } from "./confine.js";
import { holdBackupFile } from "./in-use.js";
import { checkPgToolsOn, majorVersion, PgToolFailure, type PgToolOptions } from "./pgtools.js";
import { checkSource, type DumpSource, listArchive, userTables, verifyChecksum } from "./restore-checks.js";
import { LockGuard, RestoreLockTimeout, restoreLockTimeout, runRestoreTool } from "./restore-run.js";
import type { BackupInfo } from "./store.js";

/** Options of {@link restore}. */
export interface RestoreOptions extends PgToolOptions {
  /** A dump in BACKUP_DIR: its name, or a path that resolves inside the directory. */
  file: string;
  /** Skip the safety backup of the current database (`--no-backup`). */
  noBackup?: boolean;
  /** Allow a dump taken from another database (`--from-other-database`); refused otherwise. */
  fromOtherDatabase?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

/** What a restore did and where the database stands now. */
export type { RestoreReport } from "../reports.js";

/** Everything a locked restore works with. */
interface Job {
  ctx: EngineContext;
  options: RestoreOptions;
  file: string;
  meta: Omit<BackupInfo, "file">;
  target: string;
  migrations: Migration[];
  dumpTables: Set<string>;
  source: DumpSource;
  startedAt: Date;
}

/**
 * Restore a dump from BACKUP_DIR over the database. Everything about the file is checked before
 * the database is touched (including that it was taken from this database); then, under the
 * migration lock (watched for the whole job), a safety backup is taken and the dump restored in
 * one transaction with a bounded lock wait. The audit trail of `tidemark.history` is carried
 * across and the restore itself recorded. The dump is marked in use so retention never deletes it.
 */
export async function restore(ctx: EngineContext, options: RestoreOptions): Promise<RestoreReport> {
  const startedAt = new Date();
  const file = await resolveBackupFile(backupDirOf(ctx), options.file);
  const release = await holdBackupFile(file);
  try {
    const meta = await verifyChecksum(file);
    const job: Job = {
      ctx,
      options,
      file,
      meta,
      target: describeDatabaseUrl(ctx.databaseUrl),
      migrations: await readMigrations(ctx.migrationsDir),
      dumpTables: await listArchive(file, options, majorVersion(meta.serverVersion) ?? undefined),
      source: {
        database: meta.database,
        systemIdentifier: meta.systemIdentifier ?? null,
        revision: meta.revision,
        createdAt: meta.createdAt,
      },
      startedAt,
    };
    // A database that was dropped is exactly when a restore is needed: create it if missing.
    return await withDatabase(ctx.databaseUrl, (sql) => restoreOn(sql, job), {
      create: ctx.createDatabase ?? true,
    });
  } finally {
    await release();
  }
}

async function restoreOn(sql: Sql, job: Job): Promise<RestoreReport> {
  const { ctx, meta, source, target } = job;
  await checkPgToolsOn(sql, job.options);
  const here = {
    database: databaseName(ctx.databaseUrl),
    systemIdentifier: await readSystemIdentifier(sql),
    target,
  };
  checkSource(meta.name, source, here, Boolean(job.options.fromOtherDatabase));
  if (source.database !== here.database) {
    ctx.logger.warn(
      { event: "restore.other_database", file: job.file, dumpedFrom: source.database, target },
      "Restoring a dump taken from another database (--from-other-database)",
    );
  }
  return withRecordedLock(sql, ctx, "restore", async () => {
    const guard = new LockGuard(sql);
    await guard.start();
    try {
      return await restoreLocked(sql, job, guard);
    } finally {
      guard.stop();
    }
  });
}

async function restoreLocked(sql: Sql, job: Job, guard: LockGuard): Promise<RestoreReport> {
  const { ctx, options, meta } = job;
  const safety = options.noBackup ? null : await safetyBackup(ctx, meta.name, options, job.startedAt);
  if (safety) options.onProgress?.({ type: "backup", file: safety.file });
  guard.assertHeld("The restore had not started, so the database is unchanged.", meta.name);

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
  await runRestore(sql, job, guard, { ...event, revision: step.revision }, safety);
  // Never write history through a session that silently reconnected without the lock.
  guard.assertHeld("pg_restore had already committed: the database holds the dump's contents.", meta.name);

  await ensureStateTables(sql);
  const applied = await readApplied(sql);
  const revision = currentRevision(applied, job.migrations);
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
  const pending = job.migrations.filter((m) => !appliedWhen.has(m.when)).map((m) => m.tag);
  const extraTables = (await userTables(sql)).filter((t) => !job.dumpTables.has(t));
  logOutcome(job, { revision, pending, extraTables, reappended, safety, durationMs });
  return {
    file: job.file,
    safetyBackup: safety?.file ?? null,
    revision,
    pending,
    extraTables,
    source: job.source,
  };
}

/** pg_restore itself; every failure leaves the database unchanged and says why. */
async function runRestore(
  sql: Sql,
  job: Job,
  guard: LockGuard,
  row: Omit<NewHistoryRow, "finishedAt" | "durationMs" | "status" | "error">,
  safety: BackupInfo | null,
): Promise<void> {
  const { ctx, meta } = job;
  try {
    await runRestoreTool(sql, ctx, job.file, { ...job.options, revision: row.revision }, guard);
  } catch (cause) {
    if (guard.lost || sessionLost(sql)) {
      throw guard.lostError(
        "pg_restore was stopped and its transaction rolled back, so the database is unchanged.",
        meta.name,
        cause,
      );
    }
    const wayBack = safety ? ` The safety backup ${safety.name} holds the state before this attempt.` : "";
    const err =
      cause instanceof RestoreLockTimeout
        ? await restoreLockTimeout(sql, meta.name, job.target, cause.attempts, cause.cause)
        : new TidemarkError(
            "TM_RESTORE_FAILED",
            `Restoring ${meta.name} into ${job.target} failed and was rolled back (single transaction), so the database is unchanged: ${reasonOf(cause)}.${wayBack}`,
            { cause, details: { file: job.file, safetyBackup: safety?.file ?? null } },
          );
    await recordFailure(sql, { ...row, error: err.message }, ctx);
    throw err;
  }
}

function reasonOf(cause: unknown): string {
  return cause instanceof PgToolFailure ? cause.stderr.trim() : String((cause as Error)?.message ?? cause);
}

function logOutcome(
  job: Job,
  r: {
    revision: string | null;
    pending: string[];
    extraTables: string[];
    reappended: number;
    safety: BackupInfo | null;
    durationMs: number;
  },
): void {
  const { ctx, meta } = job;
  if (r.revision !== meta.revision) {
    ctx.logger.warn(
      { event: "restore.revision_mismatch", expected: meta.revision, actual: r.revision },
      "The restored revision differs from the one recorded in the sidecar; check the migrations folder",
    );
  }
  if (r.extraTables.length > 0) {
    ctx.logger.warn(
      { event: "restore.extra_tables", tables: r.extraTables },
      "Tables that are not in the backup were left in place; drop them before running upgrade",
    );
  }
  ctx.logger.info(
    {
      event: "restore.done",
      file: job.file,
      database: job.target,
      source: job.source,
      revision: r.revision,
      pending: r.pending,
      reappended: r.reappended,
      safetyBackup: r.safety?.file ?? null,
      durationMs: r.durationMs,
    },
    "Backup restored",
  );
}

/** The backup taken before a restore; if it cannot be taken, the restore does not start. */
async function safetyBackup(
  ctx: EngineContext,
  restoring: string,
  options: PgToolOptions,
  jobStartedAt: Date,
): Promise<BackupInfo> {
  try {
    return await backup(ctx, {
      reason: "safety",
      label: `before restoring ${restoring}`,
      pgBin: options.pgBin,
      jobStartedAt,
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
