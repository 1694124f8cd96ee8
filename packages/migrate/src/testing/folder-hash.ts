import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** Files whose bytes decide what a migrated database looks like. */
function shapesSchema(relative: string): boolean {
  if (relative === path.join("meta", "_journal.json")) return true;
  if (relative.includes(path.sep)) return false;
  return relative.endsWith(".sql") || relative.endsWith(".ts");
}

/**
 * Hash of a migrations folder's journal and migration files (not snapshots, not the lint
 * baseline): two folders with the same hash migrate to the same database.
 */
export async function migrationsHash(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true });
  const files = entries.filter(shapesSchema).sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(dir, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}
