import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { TidemarkError } from "../errors.js";
import type { BackupInfo } from "../reports.js";
import type { Logger } from "../types.js";
import { dumpsInUse } from "./in-use.js";

export type { BackupInfo } from "../reports.js";

/** Reasons that mark a backup as a restore point, which retention always keeps the newest of. */
export const RESTORE_POINT_REASONS: readonly string[] = ["restore-point", "safety"];

const sidecarSchema = z.object({
  name: z.string(),
  database: z.string(),
  systemIdentifier: z.string().optional(),
  revision: z.string().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  serverVersion: z.string(),
  createdAt: z.string(),
  label: z.string().optional(),
  reason: z.string().optional(),
});

// <db>_<yyyymmddThhmmssZ>_<revision|base>[-N].dump; the timestamp anchors the split since
// database names and revision tags both contain underscores.
const NAME_PATTERN = /^(.+)_(\d{8}T\d{6}Z)_(.+?)(?:-(\d+))?\.dump$/;

/** Keep file names portable: anything outside [A-Za-z0-9_.-] becomes `-`. */
export function safeNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, "-");
}

/** `20240102T030405Z` for a date, in UTC. */
export function compactUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The backup file name `<db>_<UTC stamp>_<revision>.dump`; `attempt` > 1 adds `-N` when a name from the same second exists. */
export function backupFileName(
  database: string,
  createdAt: Date,
  revision: string | null,
  attempt = 1,
): string {
  const suffix = attempt > 1 ? `-${attempt}` : "";
  return `${safeNamePart(database)}_${compactUtc(createdAt)}_${safeNamePart(revision ?? "base")}${suffix}.dump`;
}

/** Path of the sidecar that belongs to a dump file. */
export function sidecarPath(dumpFile: string): string {
  return `${dumpFile.replace(/\.dump$/, "")}.json`;
}

/** Read and validate a dump's sidecar; null when it is missing or unreadable as a sidecar. */
export async function readSidecar(dumpFile: string): Promise<Omit<BackupInfo, "file"> | null> {
  let raw: string;
  try {
    raw = await readFile(sidecarPath(dumpFile), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = sidecarSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Write a sidecar atomically (temp file, then rename), created 0600 like the dump. */
export async function writeSidecar(info: BackupInfo): Promise<void> {
  const { file, ...meta } = info;
  const target = sidecarPath(file);
  // A random part keeps a temp file left by a crash from blocking the next write.
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(4).toString("hex")}.partial`,
  );
  const fh = await open(temp, "wx", 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(meta, null, 2)}\n`);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(temp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(temp, target);
}

/** Hex sha256 and byte size of a file, streamed so large dumps never sit in memory. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** What a dump without a sidecar still tells us: its name and its size. */
async function infoFromName(file: string): Promise<BackupInfo> {
  const name = path.basename(file);
  const m = NAME_PATTERN.exec(name);
  const st = await stat(file);
  const stamp = m?.[2];
  const createdAt = stamp
    ? `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.000Z`
    : st.mtime.toISOString();
  const revision = m?.[3] && m[3] !== "base" ? m[3] : null;
  return {
    file,
    name,
    database: m?.[1] ?? "",
    revision,
    sha256: "",
    size: st.size,
    serverVersion: "",
    createdAt,
  };
}

/** Same-second backups share a timestamp; their `-N` suffix orders them. */
function attemptOf(name: string): number {
  return Number(NAME_PATTERN.exec(name)?.[4] ?? 1);
}

/** Every backup in `backupDir`, newest first, from the sidecars (dumps without one show what is known). */
export async function listBackups(backupDir: string): Promise<BackupInfo[]> {
  const dir = path.resolve(backupDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new TidemarkError(
      "TM_BACKUP_FAILED",
      `Cannot read BACKUP_DIR ${dir}; check that it is a readable directory.`,
      {
        cause: err,
        details: { backupDir: dir },
      },
    );
  }
  // Hidden names are temp files of a backup in progress.
  const dumps = names.filter((n) => n.endsWith(".dump") && !n.startsWith("."));
  const infos = await Promise.all(
    dumps.map(async (name): Promise<BackupInfo | null> => {
      const file = path.join(dir, name);
      const meta = await readSidecar(file);
      if (meta) return { ...meta, file, name };
      // A dump deleted between readdir and stat is simply not listed.
      return infoFromName(file).catch(() => null);
    }),
  );
  return infos
    .filter((i): i is BackupInfo => i !== null)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || attemptOf(b.name) - attemptOf(a.name));
}

/** True for backups taken automatically before a destructive command. */
export function isRestorePoint(info: BackupInfo): boolean {
  return info.reason !== undefined && RESTORE_POINT_REASONS.includes(info.reason);
}

/** Options of {@link pruneBackups}. */
export interface PruneOptions {
  /** When the job that prunes started: dumps written since (by anyone) are never deleted. */
  startedAt?: Date;
}

/**
 * Retention: keep the newest `keep` backups of `database`, and always the newest restore point
 * (the way back from the last destructive command). Never deleted either: a dump a running
 * job reads (see in-use.ts) and a dump younger than the pruning job. Skipped deletions are
 * logged. Other databases' dumps in the same directory are left alone. Returns the deleted files.
 */
export async function pruneBackups(
  backupDir: string,
  database: string,
  keep: number,
  logger?: Logger,
  options: PruneOptions = {},
): Promise<string[]> {
  const own = (await listBackups(backupDir)).filter(
    (b) => safeNamePart(b.database) === safeNamePart(database),
  );
  const newestRestorePoint = own.find(isRestorePoint);
  const inUse = await dumpsInUse(path.resolve(backupDir));
  const since = options.startedAt?.toISOString();
  const deleted: string[] = [];
  for (const b of own.slice(keep)) {
    if (b === newestRestorePoint) continue;
    const why = inUse.has(b.name)
      ? "a running job reads it"
      : since !== undefined && b.createdAt >= since
        ? "it is younger than the job that pruned"
        : null;
    if (why) {
      logger?.warn(
        { event: "backup.prune_skipped", file: b.file, reason: why, keep },
        `Retention kept ${b.name} beyond BACKUP_KEEP: ${why}`,
      );
      continue;
    }
    try {
      await rm(b.file, { force: true });
      await rm(sidecarPath(b.file), { force: true });
      deleted.push(b.file);
    } catch (err) {
      // Retention is housekeeping: a file we cannot delete must not fail the backup that triggered it.
      logger?.warn({ event: "backup.prune_failed", file: b.file, err }, "Could not delete an old backup");
    }
  }
  if (deleted.length > 0) logger?.info({ event: "backup.pruned", deleted, keep }, "Old backups deleted");
  return deleted;
}
