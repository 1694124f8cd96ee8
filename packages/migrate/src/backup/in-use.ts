import { open, readdir, rm } from "node:fs/promises";
import path from "node:path";

// `.<dump name>.<pid>.inuse`: hidden, so listings skip it like a backup in progress.
const MARKER = /^\.(.+\.dump)\.(\d+)\.inuse$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Mark `file` (a dump in its BACKUP_DIR) as read by this process until the returned release
 * runs. Retention in any process on this host skips a marked dump: restoring the oldest dump
 * takes a safety backup whose retention would otherwise delete the very file being restored.
 */
export async function holdBackupFile(file: string): Promise<() => Promise<void>> {
  const marker = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.inuse`);
  const fh = await open(marker, "w", 0o600);
  await fh.close();
  return () => rm(marker, { force: true });
}

/**
 * Names of the dumps in `dir` that a live process is reading. Markers left by a process that
 * died are removed: a crash must not protect a dump forever.
 */
export async function dumpsInUse(dir: string): Promise<Set<string>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const inUse = new Set<string>();
  for (const name of names) {
    const m = MARKER.exec(name);
    if (!m?.[1]) continue;
    if (alive(Number(m[2]))) inUse.add(m[1]);
    else await rm(path.join(dir, name), { force: true });
  }
  return inUse;
}
