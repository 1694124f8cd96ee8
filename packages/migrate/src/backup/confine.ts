import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { TidemarkError } from "../errors.js";

/** True when `child` lies strictly inside `parent` (both absolute and normalized). */
function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function outside(file: string, dir: string): TidemarkError {
  return new TidemarkError(
    "TM_BACKUP_PATH",
    `${file} is not inside BACKUP_DIR (${dir}). Restore only takes backups from that directory; run \`pnpm cli backups\` to list them, or copy the file there first.`,
    { details: { file, backupDir: dir } },
  );
}

/**
 * Resolve a user-supplied backup name or path to the real path of a regular file strictly inside
 * `backupDir`. Relative names are taken from `backupDir`; `../x`, absolute paths elsewhere and
 * symlinks whose target leaves the directory are TM_BACKUP_PATH; a missing file is TM_BACKUP_INVALID.
 */
export async function resolveBackupFile(backupDir: string, file: string): Promise<string> {
  const dir = path.resolve(backupDir);
  const candidate = path.resolve(dir, file);
  // Lexical check first, so `../x` is refused without even looking at the file system.
  if (!isInside(dir, candidate)) throw outside(file, dir);
  let real: string;
  let realDir: string;
  try {
    realDir = await realpath(dir);
    real = await realpath(candidate);
  } catch (cause) {
    throw new TidemarkError(
      "TM_BACKUP_INVALID",
      `No backup named ${file} in ${dir}; run \`pnpm cli backups\` to list the available ones.`,
      { cause, details: { file, backupDir: dir } },
    );
  }
  // A symlink inside the directory may point anywhere: judge where it really leads.
  if (!isInside(realDir, real)) throw outside(file, dir);
  const st = await stat(real);
  if (!st.isFile()) {
    throw new TidemarkError(
      "TM_BACKUP_INVALID",
      `${file} is not a regular file; pass a .dump file from ${dir}.`,
      {
        details: { file, backupDir: dir },
      },
    );
  }
  return real;
}
