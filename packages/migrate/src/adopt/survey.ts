import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Snapshot } from "../authoring/snapshot.js";
import { readJournalFile, readMigrations, unjournaledFiles } from "../journal.js";
import { runModeOf } from "../run-mode.js";
import type { Migration } from "../types.js";
import { type ParsedStatement, parseStatements } from "./sql-text.js";

/** One migration of the folder with what adopting it needs. */
export interface SurveyedMigration {
  migration: Migration;
  /** The up file's text (empty for a `.ts` migration). */
  up: string;
  /** `meta/NNNN_snapshot.json`, or null when that file is missing. */
  snapshot: Snapshot | null;
  /** The up file's statements; null when PostgreSQL's parser rejects the file. */
  statements: ParsedStatement[] | null;
  outsideTransaction: boolean;
}

/** What `adopt` found in a migrations folder before changing anything. */
export interface FolderSurvey {
  migrations: SurveyedMigration[];
  /** Journal `idx` values skipped between entries. */
  journalGaps: number[];
  /** `.sql` files that no journal entry names (never run by drizzle, never deleted here). */
  strayFiles: string[];
  /** Tags whose `meta/NNNN_snapshot.json` is missing. */
  missingSnapshots: string[];
}

function readSnapshot(dir: string, tag: string): Snapshot | null {
  const file = path.join(dir, "meta", `${tag.split("_")[0]}_snapshot.json`);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  } catch {
    // An unreadable snapshot is as good as a missing one: the down is then marked, not guessed.
    return null;
  }
}

function journalGaps(dir: string): number[] {
  const journal = JSON.parse(readFileSync(path.join(dir, "meta", "_journal.json"), "utf8")) as {
    entries: { idx: number }[];
  };
  const gaps: number[] = [];
  let expected = 0;
  for (const e of journal.entries) {
    for (let i = expected; i < e.idx; i++) gaps.push(i);
    expected = e.idx + 1;
  }
  return gaps;
}

/** Read the folder: every journal migration with its up text and snapshot, and what is odd. */
export async function surveyFolder(dir: string): Promise<FolderSurvey> {
  const list = await readMigrations(dir);
  const migrations: SurveyedMigration[] = [];
  for (const migration of list) {
    const up = migration.kind === "sql" ? readFileSync(migration.file, "utf8") : "";
    const statements = migration.kind === "sql" ? await parseStatements(up) : [];
    migrations.push({
      migration,
      up,
      snapshot: readSnapshot(dir, migration.tag),
      statements,
      outsideTransaction: migration.kind === "sql" && !(await runModeOf(up)).mode.transactional,
    });
  }
  return {
    migrations,
    journalGaps: list.length > 0 ? journalGaps(dir) : [],
    strayFiles: unjournaledFiles(dir, await readJournalFile(dir))
      .map((f) => path.basename(f))
      .filter((f) => f.endsWith(".sql")),
    missingSnapshots: migrations.filter((m) => !m.snapshot).map((m) => m.migration.tag),
  };
}
