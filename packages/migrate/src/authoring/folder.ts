import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { TidemarkError } from "../errors.js";
import {
  type Journal,
  type JournalEntry,
  journalPath,
  readJournalFile,
  unjournaledFiles,
} from "../journal.js";
import { emptySnapshot, ORIGIN_ID, type Snapshot } from "./snapshot.js";

/**
 * A migrations folder read the way drizzle-kit reads it: journal `idx` gaps, missing snapshots,
 * an empty first `prevId`, a `prevId` chain broken by a merge and stray migration files are all
 * accepted (drizzle-kit generates on top of them); what would make the next diff start from the
 * wrong state, or what drizzle-kit itself refuses, is TM_JOURNAL_INVALID.
 */
export interface MigrationsFolder {
  dir: string;
  /** The journal, or a fresh one when the folder has none yet. */
  journal: Journal;
  /** The snapshots that exist, in journal order (an entry may have none). */
  snapshots: Snapshot[];
  /** Snapshot of each journal tag that has one. */
  byTag: Map<string, Snapshot>;
  /** The newest snapshot that exists (drizzle-kit's empty one for a new project): the next diff starts here. */
  latest: Snapshot;
  lastEntry: JournalEntry | undefined;
  /** Things drizzle-kit accepts but a person should know about (stray files…), one sentence each. */
  warnings: string[];
}

/** Journal dialects drizzle-kit has written for PostgreSQL (`pg` up to journal version 5). */
const POSTGRES_DIALECTS = new Set(["postgresql", "pg"]);

/** Path of the snapshot belonging to a tag (`0003_x` → `meta/0003_snapshot.json`), as drizzle-kit names it. */
export function snapshotPath(dir: string, tag: string): string {
  return path.join(dir, "meta", `${tag.split("_")[0]}_snapshot.json`);
}

function invalid(file: string, problem: string, fix: string, cause?: unknown): TidemarkError {
  return new TidemarkError("TM_JOURNAL_INVALID", `${file}: ${problem} ${fix}`, { cause, details: { file } });
}

/** A snapshot file, or undefined when it does not exist (drizzle-kit does not need every one). */
async function readSnapshot(file: string): Promise<Snapshot | undefined> {
  if (!existsSync(file)) return undefined;
  let parsed: Partial<Snapshot>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as Partial<Snapshot>;
  } catch (cause) {
    throw invalid(file, "is not valid JSON.", "Restore it from version control.", cause);
  }
  if (
    typeof parsed.id !== "string" ||
    typeof parsed.prevId !== "string" ||
    typeof parsed.tables !== "object"
  ) {
    throw invalid(
      file,
      "is not a drizzle-kit snapshot (no id, prevId or tables).",
      "Restore it from version control.",
    );
  }
  if (parsed.version !== "7" || parsed.dialect !== "postgresql") {
    throw invalid(
      file,
      `is a ${parsed.dialect ?? "?"} snapshot of version ${parsed.version ?? "?"}; Tidemark reads PostgreSQL version 7.`,
      "Run `drizzle-kit up` to upgrade old snapshots.",
    );
  }
  return parsed as Snapshot;
}

/** drizzle-kit refuses two snapshots with the same parent (an unresolved branch merge); so do we. */
function assertNoCollision(dir: string, byTag: Map<string, Snapshot>): void {
  const seen = new Map<string, string>();
  for (const [tag, snapshot] of byTag) {
    if (snapshot.prevId === "" || snapshot.prevId === ORIGIN_ID) continue;
    const other = seen.get(snapshot.prevId);
    if (other) {
      throw invalid(
        snapshotPath(dir, tag),
        `has the same prevId (${snapshot.prevId}) as the snapshot of ${other}: two branches were merged without regenerating.`,
        "drizzle-kit refuses this folder too; regenerate the later migration on top of the other one.",
      );
    }
    seen.set(snapshot.prevId, tag);
  }
}

/** Warnings and errors about files in `meta/` and the folder that the journal does not name. */
function checkUnjournaled(dir: string, journal: Journal, metaFiles: string[], latestFile?: string): string[] {
  const warnings: string[] = [];
  const prefixes = new Set(journal.entries.map((e) => e.tag.split("_")[0]));
  for (const f of metaFiles.sort()) {
    const m = /^(.+)_snapshot\.json$/.exec(f);
    if (!m?.[1] || prefixes.has(m[1])) continue;
    const file = path.join(dir, "meta", f);
    // drizzle-kit diffs against the snapshot file that sorts last, journal or not.
    if (!latestFile || f > path.basename(latestFile)) {
      throw invalid(
        file,
        "has no entry in meta/_journal.json, and drizzle-kit would diff the next migration against it.",
        "Delete it or restore its journal entry.",
      );
    }
    warnings.push(`${file} has no entry in meta/_journal.json; it is ignored.`);
  }
  for (const file of unjournaledFiles(dir, journal)) {
    warnings.push(
      `${file} is not in meta/_journal.json, so neither drizzle nor Tidemark applies it; it was left as it is.`,
    );
  }
  return warnings;
}

function newFolder(dir: string): MigrationsFolder {
  return {
    dir,
    journal: { version: "7", dialect: "postgresql", entries: [] },
    snapshots: [],
    byTag: new Map(),
    latest: emptySnapshot(),
    lastEntry: undefined,
    warnings: [],
  };
}

/** Each entry's up file must exist (drizzle's migrator fails otherwise); `when` should increase. */
function checkEntries(dir: string, journal: Journal): string[] {
  const warnings: string[] = [];
  let newest: JournalEntry | undefined;
  for (const entry of journal.entries) {
    const sql = path.join(dir, `${entry.tag}.sql`);
    if (!existsSync(sql) && !existsSync(path.join(dir, `${entry.tag}.ts`))) {
      throw invalid(
        sql,
        "is missing but listed in meta/_journal.json.",
        "Restore it or remove the journal entry.",
      );
    }
    if (newest && entry.when <= newest.when) {
      warnings.push(
        `meta/_journal.json: ${entry.tag} has "when" ${entry.when}, not after ${newest.tag} (${newest.when}); drizzle's migrator skips it on a database that already has ${newest.tag}.`,
      );
    }
    if (!newest || entry.when > newest.when) newest = entry;
  }
  return warnings;
}

/**
 * Read a drizzle-kit migrations folder as drizzle-kit accepts it (see {@link MigrationsFolder}).
 * Refused (TM_JOURNAL_INVALID, naming the file): a journal entry without its up file, a
 * snapshot that is not PostgreSQL version 7, two snapshots with one parent, and a snapshot
 * outside the journal that drizzle-kit would diff against.
 */
export async function readMigrationsFolder(dir: string): Promise<MigrationsFolder> {
  const journal = await readJournalFile(dir);
  const meta = path.join(dir, "meta");
  const metaFiles = existsSync(meta) ? await readdir(meta) : [];
  if (!journal) {
    const stray = metaFiles.find((f) => f.endsWith("_snapshot.json"));
    if (stray) {
      throw invalid(
        journalPath(dir),
        `is missing but ${stray} exists.`,
        "Restore meta/_journal.json from version control.",
      );
    }
    return newFolder(dir);
  }
  if (journal.dialect && !POSTGRES_DIALECTS.has(journal.dialect)) {
    throw invalid(journalPath(dir), `is for ${journal.dialect}.`, "Tidemark migrates PostgreSQL only.");
  }
  const warnings = checkEntries(dir, journal);
  const byTag = new Map<string, Snapshot>();
  let latestFile: string | undefined;
  for (const entry of journal.entries) {
    const file = snapshotPath(dir, entry.tag);
    const snapshot = await readSnapshot(file);
    if (!snapshot) continue;
    byTag.set(entry.tag, snapshot);
    latestFile = file;
  }
  assertNoCollision(dir, byTag);
  const lastEntry = journal.entries.at(-1);
  if (lastEntry && !byTag.has(lastEntry.tag)) {
    const base = latestFile ? path.relative(dir, latestFile) : "an empty schema";
    warnings.push(
      `${lastEntry.tag} has no snapshot, so the new migration is diffed against ${base}; review it for changes that migration already made.`,
    );
  }
  warnings.push(...checkUnjournaled(dir, journal, metaFiles, latestFile));
  const snapshots = [...byTag.values()];
  return {
    dir,
    journal,
    snapshots,
    byTag,
    latest: snapshots.at(-1) ?? emptySnapshot(),
    lastEntry,
    warnings,
  };
}
