import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Journal } from "../journal.js";
import { BREAKPOINT } from "../statements.js";
import { snapshotPath } from "./folder.js";
import type { Snapshot } from "./snapshot.js";
import { tsGuardSql } from "./ts-guard.js";

/** One file of a new migration, relative to the migrations folder. */
export interface PlannedFile {
  relative: string;
  content: string;
}

/** A new migration ready to be written: its files, the journal last. */
export interface PlannedMigration {
  tag: string;
  files: PlannedFile[];
}

/** The up body of a migration: SQL statements joined as drizzle-kit does, or a TS module. */
export type MigrationBody = { kind: "sql"; up: string; down: string } | { kind: "ts"; source: string };

/**
 * Join statements exactly like `drizzle-kit generate` with breakpoints on: the marker directly
 * after each statement's semicolon (or after the newline a CREATE TABLE ends with), then a newline.
 */
export function joinStatements(statements: string[]): string {
  return statements.join(`${BREAKPOINT}\n`);
}

/** The tag the next migration of `journal` gets: `NNNN_slug`, numbered like drizzle-kit's index prefix. */
export function nextTag(journal: Journal, slug: string): string {
  const last = journal.entries.at(-1);
  return `${String(last ? last.idx + 1 : 0).padStart(4, "0")}_${slug}`;
}

/**
 * Lay out a new migration the way `drizzle-kit generate` does: `NNNN_tag.sql` and our
 * `NNNN_tag.down.sql` (or `NNNN_tag.ts` with a guard `.sql`, see ts-guard.ts),
 * `meta/NNNN_snapshot.json` and the journal with the new entry appended.
 * `when` is strictly after every earlier entry's, or drizzle's migrator would skip the entry.
 */
export function planMigration(
  dir: string,
  journal: Journal,
  tag: string,
  snapshot: Snapshot,
  body: MigrationBody,
  now = Date.now(),
): PlannedMigration {
  const last = journal.entries.at(-1);
  const idx = last ? last.idx + 1 : 0;
  // After every entry, not just the last: a merged journal may have an older "when" last.
  const newest = Math.max(0, ...journal.entries.map((e) => e.when));
  const entry = {
    idx,
    version: snapshot.version,
    when: Math.max(now, newest + 1),
    tag,
    breakpoints: true,
  };
  const nextJournal: Journal = { ...journal, entries: [...journal.entries, entry] };
  const snapshotFile = path.relative(dir, snapshotPath(dir, tag));
  const files: PlannedFile[] =
    body.kind === "sql"
      ? [
          { relative: `${tag}.sql`, content: body.up },
          { relative: `${tag}.down.sql`, content: body.down },
        ]
      : [
          { relative: `${tag}.ts`, content: body.source },
          { relative: `${tag}.sql`, content: tsGuardSql(tag) },
        ];
  files.push({ relative: snapshotFile, content: JSON.stringify(snapshot, null, 2) });
  files.push({ relative: path.join("meta", "_journal.json"), content: JSON.stringify(nextJournal, null, 2) });
  return { tag, files };
}

/**
 * Write a planned migration into `dir`, journal last so a crash never leaves an entry without
 * its files; if a write fails, the files already written are removed again.
 */
export async function writeMigration(dir: string, planned: PlannedMigration): Promise<string[]> {
  const written: string[] = [];
  try {
    await mkdir(path.join(dir, "meta"), { recursive: true });
    for (const f of planned.files) {
      const file = path.join(dir, f.relative);
      const isJournal = f.relative === path.join("meta", "_journal.json");
      // The journal already exists for every migration but the first: never delete it on failure.
      await writeFile(file, f.content, isJournal ? {} : { flag: "wx" });
      if (!isJournal) written.push(file);
    }
    return planned.files.map((f) => path.join(dir, f.relative));
  } catch (err) {
    await Promise.all(written.map((f) => rm(f, { force: true })));
    throw err;
  }
}
