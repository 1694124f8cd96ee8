import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** What real drizzle-kit folders contain besides a clean chain, applied to a copy of the seed history. */
export type Mess =
  | "idx gaps"
  | "missing intermediate snapshot"
  | "missing last snapshot"
  | "empty first prevId"
  | "chain broken by a merge"
  | "stray sql file"
  | "journal version 5 with dialect pg";

export const MESSES: Mess[] = [
  "idx gaps",
  "missing intermediate snapshot",
  "missing last snapshot",
  "empty first prevId",
  "chain broken by a merge",
  "stray sql file",
  "journal version 5 with dialect pg",
];

/** A stray file as real folders have them: generated, never put in the journal. */
export const STRAY_FILE = "0005_abandoned_idea.sql";

interface JournalJson {
  version: string;
  dialect: string;
  entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
}

async function editJson<T>(file: string, edit: (value: T) => void): Promise<void> {
  const value = JSON.parse(await readFile(file, "utf8")) as T;
  edit(value);
  await writeFile(file, JSON.stringify(value, null, 2));
}

/** Renumber 0003 and 0004 to 0005 and 0006, as when two migrations were deleted before them. */
async function idxGaps(dir: string): Promise<void> {
  await editJson<JournalJson>(path.join(dir, "meta/_journal.json"), (j) => {
    for (const e of j.entries.slice(3)) {
      const old = e.tag;
      e.idx += 2;
      e.tag = `${String(e.idx).padStart(4, "0")}${old.slice(4)}`;
    }
  });
  for (const [from, to] of [
    ["0003_add_user_avatar_url", "0005_add_user_avatar_url"],
    ["0004_set_default_avatar_url", "0006_set_default_avatar_url"],
  ] as const) {
    await rename(path.join(dir, `${from}.sql`), path.join(dir, `${to}.sql`));
    await rename(path.join(dir, `${from}.down.sql`), path.join(dir, `${to}.down.sql`));
    await rename(
      path.join(dir, `meta/${from.slice(0, 4)}_snapshot.json`),
      path.join(dir, `meta/${to.slice(0, 4)}_snapshot.json`),
    );
  }
}

/** Turn the seed copy in `dir` into a folder with `mess`. */
export async function makeMess(dir: string, mess: Mess): Promise<void> {
  const meta = (f: string) => path.join(dir, "meta", f);
  switch (mess) {
    case "idx gaps":
      return idxGaps(dir);
    case "missing intermediate snapshot":
      return rm(meta("0002_snapshot.json"));
    case "missing last snapshot":
      // 0004 only changes data, so its snapshot equals 0003's: the newest existing one is right.
      return rm(meta("0004_snapshot.json"));
    case "empty first prevId":
      return editJson<{ prevId: string }>(meta("0000_snapshot.json"), (s) => {
        s.prevId = "";
      });
    case "chain broken by a merge":
      return editJson<{ prevId: string }>(meta("0003_snapshot.json"), (s) => {
        s.prevId = "5b0c3f4e-7d51-4c8e-9a0e-2f1d6b7c8a90";
      });
    case "stray sql file":
      return writeFile(path.join(dir, STRAY_FILE), 'CREATE TABLE "never_applied" ("id" integer);\n');
    case "journal version 5 with dialect pg":
      return editJson<JournalJson>(meta("_journal.json"), (j) => {
        j.version = "5";
        j.dialect = "pg";
        for (const e of j.entries.slice(0, 3)) e.version = "5";
      });
  }
}
