import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Migration } from "../types.js";

/** The tables drizzle-kit's snapshot says exist after `m` (`schema.table`), or null without a snapshot. */
export async function snapshotTables(migrationsDir: string, m: Migration): Promise<string[] | null> {
  // drizzle-kit names snapshots after the tag's number: 0003_add_x.sql → meta/0003_snapshot.json.
  const file = path.join(migrationsDir, "meta", `${m.tag.split("_")[0]}_snapshot.json`);
  if (!existsSync(file)) return null;
  try {
    const snapshot = JSON.parse(await readFile(file, "utf8")) as {
      tables?: Record<string, { name?: string; schema?: string }>;
    };
    return Object.values(snapshot.tables ?? {}).map((t) => `${t.schema || "public"}.${t.name}`);
  } catch {
    // A snapshot is only a hint here; an unreadable one means "no hint", not a failure.
    return null;
  }
}

/** A table name from the fingerprint (`quote_ident` form) as plain `schema.table`. */
export function plainTableName(name: string): string {
  return name.replaceAll('"', "");
}

/** Tables the snapshot of `m` names but the database lacks, and tables the database has beyond it. */
export async function compareWithSnapshot(
  migrationsDir: string,
  m: Migration,
  liveTables: string[],
): Promise<{ missing: string[]; extra: string[] } | null> {
  const expected = await snapshotTables(migrationsDir, m);
  if (!expected) return null;
  const live = new Set(liveTables.map(plainTableName));
  const wanted = new Set(expected);
  return {
    missing: expected.filter((t) => !live.has(t)),
    extra: [...live].filter((t) => !wanted.has(t)),
  };
}
