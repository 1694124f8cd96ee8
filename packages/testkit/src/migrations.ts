import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** An entry of drizzle-kit's `meta/_journal.json`. */
export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/** Options of {@link addMigration}. */
export interface AddMigrationOptions {
  /** The journal's `when` (default: one second after the newest entry). */
  when?: number;
  /** `ts` writes `<tag>.ts` instead of `<tag>.sql`. */
  ext?: "sql" | "ts";
}

/** Read, change and write back the journal of a migrations folder. */
export async function editJournal(
  dir: string,
  edit: (journal: { entries: JournalEntry[] }) => void,
): Promise<void> {
  const file = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(file, "utf8")) as { entries: JournalEntry[] };
  edit(journal);
  await writeFile(file, `${JSON.stringify(journal, null, 2)}\n`);
}

/**
 * Append a migration to a drizzle-kit folder (a temp copy: see {@link copyMigrations}): the
 * journal entry, `<tag>.sql` (or `.ts`) and, when given, `<tag>.down.sql`.
 */
export async function addMigration(
  dir: string,
  tag: string,
  up: string,
  down?: string,
  options: AddMigrationOptions = {},
): Promise<void> {
  await editJournal(dir, (journal) => {
    const last = journal.entries.at(-1);
    journal.entries.push({
      idx: journal.entries.length,
      version: last?.version ?? "7",
      when: options.when ?? (last ? last.when + 1000 : Date.now()),
      tag,
      breakpoints: true,
    });
  });
  await writeFile(path.join(dir, `${tag}.${options.ext ?? "sql"}`), up);
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
