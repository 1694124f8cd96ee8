import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/**
 * Append a migration to a drizzle-kit folder (a temp copy: see testkit `copyMigrations`):
 * the journal entry (one second after the newest), `<tag>.sql` and optionally `<tag>.down.sql`.
 */
export async function addMigration(dir: string, tag: string, up: string, down?: string): Promise<void> {
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: JournalEntry[] };
  const last = journal.entries.at(-1);
  journal.entries.push({
    idx: journal.entries.length,
    version: last?.version ?? "7",
    when: (last?.when ?? Date.now()) + 1000,
    tag,
    breakpoints: true,
  });
  await writeFile(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
  await writeFile(path.join(dir, `${tag}.sql`), up);
  if (down !== undefined) await writeFile(path.join(dir, `${tag}.down.sql`), down);
}

/** Rewrite a migration's up file (e.g. to fix a broken statement). */
export async function rewriteMigration(dir: string, tag: string, up: string): Promise<void> {
  await writeFile(path.join(dir, `${tag}.sql`), up);
}

/** A migration whose second statement fails, so its first one must be rolled back with it. */
export const BROKEN_MIGRATION = {
  tag: "0005_add_user_nickname",
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n--> statement-breakpoint\nUPDATE "no_such_table" SET "x" = 1;\n',
  fixed: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};
