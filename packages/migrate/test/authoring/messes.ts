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

/** The snapshot file of the journal's `position`-th entry, wherever earlier messes renumbered it. */
async function snapshotAt(dir: string, position: number): Promise<string> {
  const journal = JSON.parse(await readFile(path.join(dir, "meta/_journal.json"), "utf8")) as JournalJson;
  const tag = journal.entries[position]?.tag ?? "";
  return path.join(dir, "meta", `${tag.slice(0, 4)}_snapshot.json`);
}

/** Turn the seed copy in `dir` into a folder with `mess`; messes can be combined in MESSES order. */
export async function makeMess(dir: string, mess: Mess): Promise<void> {
  switch (mess) {
    case "idx gaps":
      return idxGaps(dir);
    case "missing intermediate snapshot":
      return rm(await snapshotAt(dir, 2));
    case "missing last snapshot":
      // 0004 only changes data, so its snapshot equals 0003's: the newest existing one is right.
      return rm(await snapshotAt(dir, 4));
    case "empty first prevId":
      return editJson<{ prevId: string }>(await snapshotAt(dir, 0), (s) => {
        s.prevId = "";
      });
    case "chain broken by a merge":
      return editJson<{ prevId: string }>(await snapshotAt(dir, 3), (s) => {
        s.prevId = "5b0c3f4e-7d51-4c8e-9a0e-2f1d6b7c8a90";
      });
    case "stray sql file":
      return writeFile(path.join(dir, STRAY_FILE), 'CREATE TABLE "never_applied" ("id" integer);\n');
    case "journal version 5 with dialect pg":
      return editJson<JournalJson>(path.join(dir, "meta/_journal.json"), (j) => {
        j.version = "5";
        j.dialect = "pg";
        for (const e of j.entries.slice(0, 3)) e.version = "5";
      });
  }
}
