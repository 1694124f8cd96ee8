import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Snapshot } from "../authoring/snapshot.js";
import { type Journal, readJournalFile, readMigrations, unjournaledFiles } from "../journal.js";
import { parseSource } from "../lint/source.js";
import { runModeOfParsed } from "../run-mode.js";
import type { Migration } from "../types.js";
import { type ParsedStatement, statementsOf } from "./sql-text.js";

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

/** Journal `idx` values skipped between entries. */
function journalGaps(journal: Journal | null): number[] {
  const gaps: number[] = [];
  let expected = 0;
  for (const e of journal?.entries ?? []) {
    for (let i = expected; i < e.idx; i++) gaps.push(i);
    expected = e.idx + 1;
  }
  return gaps;
}

/** One SQL migration's up file, parsed once for both its statements and how it runs. */
async function surveyUp(
  migration: Migration,
): Promise<Pick<SurveyedMigration, "up" | "statements" | "outsideTransaction">> {
  if (migration.kind !== "sql") return { up: "", statements: [], outsideTransaction: false };
  const up = readFileSync(migration.file, "utf8");
  const parsed = await parseSource(up);
  return {
    up,
    statements: statementsOf(parsed),
    outsideTransaction: !runModeOfParsed(up, parsed).transactional,
  };
}

/** Read the folder: every journal migration with its up text and snapshot, and what is odd. */
export async function surveyFolder(dir: string): Promise<FolderSurvey> {
  const journal = await readJournalFile(dir);
  const migrations: SurveyedMigration[] = [];
  for (const migration of await readMigrations(dir)) {
    migrations.push({
      migration,
      snapshot: readSnapshot(dir, migration.tag),
      ...(await surveyUp(migration)),
    });
  }
  return {
    migrations,
    journalGaps: journalGaps(journal),
    strayFiles: unjournaledFiles(dir, journal)
      .map((f) => path.basename(f))
      .filter((f) => f.endsWith(".sql")),
    missingSnapshots: migrations.filter((m) => !m.snapshot).map((m) => m.migration.tag),
  };
}
