import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { TidemarkError } from "../errors.js";
import { type Journal, type JournalEntry, journalPath, readJournalFile } from "../journal.js";
import { emptySnapshot, ORIGIN_ID, type Snapshot } from "./snapshot.js";

/** A migrations folder whose journal, snapshots and files have been checked against each other. */
export interface MigrationsFolder {
  dir: string;
  /** The journal, or a fresh one when the folder has none yet. */
  journal: Journal;
  /** Snapshot of each journal entry, in journal order. */
  snapshots: Snapshot[];
  /** The newest snapshot (drizzle-kit's empty one for a new project). */
  latest: Snapshot;
  lastEntry: JournalEntry | undefined;
}

/** Path of the snapshot belonging to a tag (`0003_x` → `meta/0003_snapshot.json`), as drizzle-kit names it. */
export function snapshotPath(dir: string, tag: string): string {
  return path.join(dir, "meta", `${tag.split("_")[0]}_snapshot.json`);
}

function invalid(file: string, problem: string, fix: string): TidemarkError {
  return new TidemarkError("TM_JOURNAL_INVALID", `${file}: ${problem} ${fix}`, { details: { file } });
}

async function readSnapshot(file: string, tag: string): Promise<Snapshot> {
  if (!existsSync(file)) {
    throw invalid(
      file,
      `snapshot of ${tag} is missing.`,
      "Restore it from version control; without it the next migration cannot be diffed.",
    );
  }
  let parsed: Partial<Snapshot>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as Partial<Snapshot>;
  } catch (cause) {
    throw Object.assign(invalid(file, "is not valid JSON.", "Restore it from version control."), { cause });
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

/**
 * Read a drizzle-kit migrations folder and check that journal, snapshots and migration files agree:
 * every entry has its up file and snapshot, snapshots chain through `prevId`, `when` increases, and
 * no snapshot or migration file lies outside the journal. Any disagreement is TM_JOURNAL_INVALID
 * naming the file, because the next diff would silently start from the wrong state.
 */
export async function readMigrationsFolder(dir: string): Promise<MigrationsFolder> {
  const journal = await readJournalFile(dir);
  const meta = path.join(dir, "meta");
  const metaFiles = existsSync(meta) ? await readdir(meta) : [];
  const dirFiles = existsSync(dir) ? await readdir(dir) : [];
  if (!journal) {
    const stray = metaFiles.find((f) => f.endsWith("_snapshot.json"));
    if (stray) {
      throw invalid(
        journalPath(dir),
        `is missing but ${stray} exists.`,
        "Restore meta/_journal.json from version control.",
      );
    }
    return {
      dir,
      journal: { version: "7", dialect: "postgresql", entries: [] },
      snapshots: [],
      latest: emptySnapshot(),
      lastEntry: undefined,
    };
  }
  if (journal.dialect && journal.dialect !== "postgresql") {
    throw invalid(journalPath(dir), `is for ${journal.dialect}.`, "Tidemark migrates PostgreSQL only.");
  }

  const snapshots: Snapshot[] = [];
  let parentId = ORIGIN_ID;
  let previous: JournalEntry | undefined;
  for (const [i, entry] of journal.entries.entries()) {
    if (entry.idx !== i) {
      throw invalid(
        journalPath(dir),
        `entry ${entry.tag} has idx ${entry.idx}, expected ${i}.`,
        "Renumber it.",
      );
    }
    if (previous && entry.when <= previous.when) {
      throw invalid(
        journalPath(dir),
        `entry ${entry.tag} has "when" ${entry.when}, not after ${previous.tag} (${previous.when}).`,
        "Journal timestamps must strictly increase, or drizzle's migrator skips the entry; fix the value.",
      );
    }
    const sql = path.join(dir, `${entry.tag}.sql`);
    if (!existsSync(sql) && !existsSync(path.join(dir, `${entry.tag}.ts`))) {
      throw invalid(
        sql,
        `is missing but listed in meta/_journal.json.`,
        "Restore it or remove the journal entry.",
      );
    }
    const file = snapshotPath(dir, entry.tag);
    const snapshot = await readSnapshot(file, entry.tag);
    if (snapshot.prevId !== parentId) {
      throw invalid(
        file,
        `prevId ${snapshot.prevId} does not match the id of the previous snapshot (${parentId}).`,
        "The snapshot chain is broken (hand edit or bad merge); restore the snapshots from version control.",
      );
    }
    parentId = snapshot.id;
    snapshots.push(snapshot);
    previous = entry;
  }

  const tags = new Set(journal.entries.map((e) => e.tag));
  const prefixes = new Set(journal.entries.map((e) => e.tag.split("_")[0]));
  for (const f of metaFiles) {
    const m = /^(.+)_snapshot\.json$/.exec(f);
    if (m && !prefixes.has(m[1])) {
      throw invalid(
        path.join(meta, f),
        "has no entry in meta/_journal.json.",
        "Delete it or restore the entry.",
      );
    }
  }
  for (const f of dirFiles) {
    const m = /^(\d+_.+?)(\.down)?\.(sql|ts)$/.exec(f);
    if (m?.[1] && !tags.has(m[1])) {
      throw invalid(
        path.join(dir, f),
        "has no entry in meta/_journal.json.",
        "Delete it or restore the entry.",
      );
    }
  }
  return { dir, journal, snapshots, latest: snapshots.at(-1) ?? emptySnapshot(), lastEntry: previous };
}
