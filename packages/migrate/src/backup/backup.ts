import { randomBytes } from "node:crypto";
import { link, mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { engineDefaults } from "../config.js";
import { type Sql, withDatabase } from "../connection.js";
import { isTidemarkError, TidemarkError } from "../errors.js";
import { readSystemIdentifier } from "../identity.js";
import { readMigrations } from "../journal.js";
import { databaseName, describeDatabaseUrl } from "../redact.js";
import { currentRevision, readApplied } from "../state.js";
import type { EngineContext, Migration } from "../types.js";
import {
  checkPgToolsOn,
  PgToolFailure,
  type PgToolOptions,
  runPgTool,
  withToolConnection,
} from "./pgtools.js";
import {
  type BackupInfo,
  backupFileName,
  hashFile,
  pruneBackups,
  sidecarPath,
  writeSidecar,
} from "./store.js";

/** Options of {@link backup}. */
export interface BackupOptions extends PgToolOptions {
  /** Free text shown by `tidemark backups`. */
  label?: string;
  /** Why the backup was taken; "restore-point" and "safety" are kept by retention. */
  reason?: string;
  /** When the job taking this backup started; retention never deletes a dump written since. */
  jobStartedAt?: Date;
}

/** BACKUP_DIR of a context as an absolute path (default `./backups`, from the working directory). */
export function backupDirOf(ctx: EngineContext): string {
  return path.resolve(ctx.backupDir ?? "./backups");
}

// More same-second backups than this means something is looping; stop rather than spin.
const MAX_NAME_ATTEMPTS = 100;

function backupFailed(dir: string, database: string, cause: unknown): TidemarkError {
  const reason =
    cause instanceof PgToolFailure ? cause.stderr.trim() : ((cause as Error)?.message ?? String(cause));
  return new TidemarkError(
    "TM_BACKUP_FAILED",
    `Backup of ${database} into ${dir} failed: ${reason}. Nothing was kept; check that BACKUP_DIR is a writable directory with free space, then retry.`,
    { cause, details: { backupDir: dir, database } },
  );
}

/** pg_dump in an exported snapshot, with the revision read from that same snapshot. */
async function dumpInSnapshot(
  sql: Sql,
  ctx: EngineContext,
  dir: string,
  migrations: Migration[],
  options: BackupOptions,
): Promise<BackupInfo> {
  const database = databaseName(ctx.databaseUrl);
  const versions = await checkPgToolsOn(sql, options);
  const systemIdentifier = await readSystemIdentifier(sql);
  const conn = await sql.reserve();
  try {
    // Export this transaction's snapshot so pg_dump sees exactly the rows we read the revision from.
    await conn.unsafe("begin isolation level repeatable read read only");
    try {
      const [snap] = await conn<{ id: string; at: Date }[]>`select pg_export_snapshot() as id, now() as at`;
      if (!snap) throw new TidemarkError("TM_INTERNAL", "pg_export_snapshot() returned no row.");
      // readApplied recovers from a missing table by catching the error, but an error would abort
      // this transaction and with it the exported snapshot: look before reading.
      const [state] = await conn<{ present: boolean }[]>`
        select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
      const revision = state?.present ? currentRevision(await readApplied(conn), migrations) : null;
      return await dumpInto(dir, ctx.databaseUrl, {
        database,
        systemIdentifier,
        createdAt: snap.at,
        revision,
        snapshot: snap.id,
        serverVersion: versions.server,
        label: options.label,
        reason: options.reason,
        pgBin: options.pgBin,
      });
    } finally {
      await conn.unsafe("rollback");
    }
  } finally {
    conn.release();
  }
}

/**
 * Dump the database with `pg_dump -Fc` into BACKUP_DIR as `<db>_<stamp>_<revision>.dump`, with a 0600
 * dump and sidecar, then apply retention. The revision is read in the very snapshot pg_dump
 * dumps, so the sidecar always describes the file's contents even if a migration runs meanwhile.
 */
export async function backup(ctx: EngineContext, options: BackupOptions = {}): Promise<BackupInfo> {
  const dir = backupDirOf(ctx);
  const database = databaseName(ctx.databaseUrl);
  const started = performance.now();
  const startedAt = new Date();
  const migrations = await readMigrations(ctx.migrationsDir);
  try {
    // 0700: dumps hold every row of the database.
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw backupFailed(dir, database, cause);
  }

  const info = await withDatabase(ctx.databaseUrl, (sql) =>
    dumpInSnapshot(sql, ctx, dir, migrations, options),
  );

  await applyRetention(ctx, dir, database, options.jobStartedAt ?? startedAt);
  ctx.logger.info(
    {
      event: "backup.created",
      database: describeDatabaseUrl(ctx.databaseUrl),
      file: info.file,
      size: info.size,
      revision: info.revision,
      reason: info.reason,
      durationMs: Math.round(performance.now() - started),
    },
    "Backup written",
  );
  return info;
}

/** Retention after a backup; housekeeping, so a failure is logged, never thrown. */
async function applyRetention(ctx: EngineContext, dir: string, database: string, startedAt: Date) {
  try {
    await pruneBackups(dir, database, ctx.backupKeep ?? engineDefaults.backupKeep, ctx.logger, { startedAt });
  } catch (err) {
    ctx.logger.warn({ event: "backup.prune_failed", err }, "Retention could not run; old backups were kept");
  }
}

interface DumpSpec extends PgToolOptions {
  database: string;
  systemIdentifier: string | null;
  createdAt: Date;
  revision: string | null;
  snapshot: string;
  serverVersion: string;
  label?: string;
  reason?: string;
}

/** Run pg_dump into a hidden temp file (0600 from creation), then publish it and its sidecar. */
async function dumpInto(dir: string, databaseUrl: string, spec: DumpSpec): Promise<BackupInfo> {
  const first = backupFileName(spec.database, spec.createdAt, spec.revision);
  const temp = path.join(dir, `.${first}.${randomBytes(4).toString("hex")}.partial`);
  let published: string | null = null;
  try {
    const fh = await open(temp, "wx", 0o600);
    try {
      await withToolConnection(databaseUrl, (dbname) =>
        runPgTool("pg_dump", ["--format=custom", `--snapshot=${spec.snapshot}`, `--dbname=${dbname}`], {
          pgBin: spec.pgBin,
          stdoutFd: fh.fd,
        }),
      );
      // A restore point must survive a crash right after we report it.
      await fh.sync();
    } finally {
      await fh.close();
    }
    const { sha256, size } = await hashFile(temp);
    published = await publishFile(temp, dir, (attempt) =>
      backupFileName(spec.database, spec.createdAt, spec.revision, attempt),
    );
    const info: BackupInfo = {
      file: published,
      name: path.basename(published),
      database: spec.database,
      ...(spec.systemIdentifier !== null ? { systemIdentifier: spec.systemIdentifier } : {}),
      revision: spec.revision,
      sha256,
      size,
      serverVersion: spec.serverVersion,
      createdAt: spec.createdAt.toISOString(),
      ...(spec.label !== undefined ? { label: spec.label } : {}),
      ...(spec.reason !== undefined ? { reason: spec.reason } : {}),
    };
    await writeSidecar(info);
    await syncDir(dir);
    return info;
  } catch (cause) {
    // Leave nothing behind that could later pass for a usable backup.
    await rm(temp, { force: true });
    if (published) {
      await rm(published, { force: true });
      await rm(sidecarPath(published), { force: true });
    }
    if (isTidemarkError(cause) && cause.code === "TM_PG_TOOL") throw cause;
    throw backupFailed(dir, spec.database, cause);
  }
}

/**
 * Give the finished temp file its final name, `nameFor(1)`, else `nameFor(2)`… `link` fails
 * instead of overwriting, so two backups in the same second never clobber each other.
 */
export async function publishFile(
  temp: string,
  dir: string,
  nameFor: (attempt: number) => string,
): Promise<string> {
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
    const target = path.join(dir, nameFor(attempt));
    try {
      await link(temp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    await rm(temp, { force: true });
    return target;
  }
  throw new Error(`more than ${MAX_NAME_ATTEMPTS} backups named ${nameFor(1)} in one second`);
}

/** fsync the directory so the new names are durable, not just the bytes. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
