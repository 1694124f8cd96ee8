import type { Sql } from "../connection.js";
import { TidemarkError } from "../errors.js";
import type { DumpSource } from "../reports.js";
import { PgToolFailure, type PgToolOptions, runPgTool } from "./pgtools.js";
import { type BackupInfo, hashFile, readSidecar } from "./store.js";

/** TM_BACKUP_INVALID naming the file. */
export function invalid(file: string, message: string, cause?: unknown): TidemarkError {
  return new TidemarkError("TM_BACKUP_INVALID", `${file}: ${message}`, { cause, details: { file } });
}

/** Check the sidecar's size and sha256 against the file; the sidecar is the promise of what the dump was. */
export async function verifyChecksum(file: string): Promise<Omit<BackupInfo, "file">> {
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
      `is ${actual.size} bytes but its sidecar records ${meta.size}: the dump is truncated or was modified. Pick another backup (\`pnpm cli backups\`).`,
    );
  }
  if (actual.sha256 !== meta.sha256) {
    throw invalid(
      file,
      "does not match the sha256 in its sidecar: the dump was modified or is corrupt. Pick another backup (`pnpm cli backups`).",
    );
  }
  return meta;
}

/** `pg_restore --list`: proves the archive header and table of contents are readable; returns its tables. */
export async function listArchive(
  file: string,
  options: PgToolOptions,
  serverMajor?: number,
): Promise<Set<string>> {
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

/** Bookkeeping schemas are left out: ensureStateTables recreates them when the dump predates Tidemark. */
export async function userTables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select schemaname || '.' || tablename as name from pg_tables
    where schemaname not in ('pg_catalog', 'information_schema', 'drizzle', 'tidemark') order by 1`;
  return rows.map((r) => r.name);
}

/** Where a dump came from, as its sidecar records it. */
export type { DumpSource };

/**
 * Refuse to restore a dump taken from another database (by name, or by server when both system
 * identifiers are known) unless the caller said so explicitly: restoring one replaces this
 * database entirely, and a wrong file name in an incident must not pass as a restore.
 */
export function checkSource(
  name: string,
  source: DumpSource,
  here: { database: string; systemIdentifier: string | null; target: string },
  allowOther: boolean,
): void {
  const otherName = source.database !== here.database;
  const otherServer =
    source.systemIdentifier !== null &&
    here.systemIdentifier !== null &&
    source.systemIdentifier !== here.systemIdentifier;
  if ((!otherName && !otherServer) || allowOther) return;
  const from = otherName
    ? `database ${source.database}`
    : `a database named ${source.database} on another server (system identifier ${source.systemIdentifier}, this one is ${here.systemIdentifier})`;
  throw new TidemarkError(
    "TM_REFUSED",
    `${name} was dumped from ${from} at revision ${source.revision ?? "base"} on ${source.createdAt}; restoring it would replace everything in ${here.target}. Nothing was changed. If that is what you want, pass --from-other-database together with --yes (job payload: "fromOtherDatabase": true).`,
    { details: { file: name, source, target: here.target } },
  );
}
