import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { TidemarkError } from "./errors.js";
import { sha256 } from "./hash.js";
import type { Migration } from "./types.js";

/** One entry of drizzle-kit's `meta/_journal.json`. */
export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/** drizzle-kit's `meta/_journal.json`. */
export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** Path of the journal inside a migrations folder. */
export function journalPath(dir: string): string {
  return path.join(dir, "meta", "_journal.json");
}

/** Read the raw journal; a missing folder or journal is an empty history. */
export async function readJournalFile(dir: string): Promise<Journal | null> {
  const file = journalPath(dir);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new TidemarkError(
      "TM_JOURNAL_INVALID",
      `${file} is not valid JSON; restore it from version control.`,
      {
        cause,
        details: { file },
      },
    );
  }
  const j = parsed as Partial<Journal>;
  if (!Array.isArray(j.entries)) {
    throw new TidemarkError(
      "TM_JOURNAL_INVALID",
      `${file} has no "entries" array; is this a drizzle-kit journal?`,
      {
        details: { file },
      },
    );
  }
  for (const [i, e] of j.entries.entries()) {
    if (typeof e?.tag !== "string" || typeof e.when !== "number") {
      throw new TidemarkError(
        "TM_JOURNAL_INVALID",
        `${file}: entry ${i} needs a string "tag" and a numeric "when".`,
        {
          details: { file, entry: i },
        },
      );
    }
  }
  return j as Journal;
}

/** First line of the `.sql` that `create --ts` writes next to a TypeScript migration. */
export const TS_GUARD_MARKER = "-- tidemark:typescript-migration";

/** A `.sql` next to a `.ts` of the same tag must be the guard; anything else is ambiguous. */
function assertGuard(dir: string, tag: string): void {
  const file = path.join(dir, `${tag}.sql`);
  if (readFileSync(file, "utf8").startsWith(TS_GUARD_MARKER)) return;
  throw new TidemarkError(
    "TM_JOURNAL_INVALID",
    `${tag} has both ${file} and ${tag}.ts, and the .sql is not the guard create --ts writes: Tidemark would run the .ts, drizzle the .sql. Keep one of them.`,
    { details: { file, revision: tag } },
  );
}

/**
 * Read every migration of a drizzle-kit folder in journal order, with checksums.
 * A journal entry whose file is missing is an error naming the file. Synchronous reads on
 * purpose: one directory listing and one read per file is several times faster than hundreds
 * of concurrent promises, and this runs on the boot path.
 */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const journal = await readJournalFile(dir);
  if (!journal) return [];
  const present = new Set(readdirSync(dir));
  return journal.entries.map((entry, idx): Migration => {
    // A `.ts` migration wins over an `.sql` of the same tag: `create --ts` writes that `.sql` only
    // as a guard that stops drizzle-kit/drizzle-orm (which cannot run TypeScript) with a message.
    // The checksum stays the `.ts` source's, as before the guard existed: drizzle never records
    // a row for the guard (it always raises), so no stored hash can refer to it.
    const isTs = present.has(`${entry.tag}.ts`);
    if (isTs && present.has(`${entry.tag}.sql`)) assertGuard(dir, entry.tag);
    const file = path.join(dir, `${entry.tag}.${isTs ? "ts" : "sql"}`);
    if (!present.has(path.basename(file))) {
      throw new TidemarkError(
        "TM_JOURNAL_INVALID",
        `Journal entry ${entry.tag} has no file: expected ${path.join(dir, `${entry.tag}.sql`)} (or ${entry.tag}.ts). Restore it or remove the entry from meta/_journal.json.`,
        { details: { file, revision: entry.tag } },
      );
    }
    const downName = `${entry.tag}.down.sql`;
    return {
      idx,
      tag: entry.tag,
      when: entry.when,
      kind: isTs ? "ts" : "sql",
      file,
      checksum: sha256(readFileSync(file)),
      downFile: present.has(downName) ? path.join(dir, downName) : undefined,
    };
  });
}

/** Migration files (`NNNN_x.sql`, `.down.sql`, `.ts`) of `dir` that no journal entry names. */
export function unjournaledFiles(dir: string, journal: Journal | null): string[] {
  if (!existsSync(dir)) return [];
  const tags = new Set(journal?.entries.map((e) => e.tag) ?? []);
  return readdirSync(dir)
    .filter((f) => {
      const m = /^(\d+_.+?)(\.down)?\.(sql|ts)$/.exec(f);
      return m?.[1] !== undefined && !tags.has(m[1]);
    })
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Find a migration by revision id: the full tag, or its numeric prefix (`0003`).
 * Throws TM_UNKNOWN_REVISION listing the known ones.
 */
export function findRevision(migrations: Migration[], revision: string): Migration {
  const found = migrations.find((m) => m.tag === revision || m.tag.split("_")[0] === revision);
  if (!found) {
    const known = migrations.map((m) => m.tag).join(", ") || "(none)";
    throw new TidemarkError(
      "TM_UNKNOWN_REVISION",
      `Unknown revision "${revision}". Known revisions: ${known}.`,
      {
        details: { revision },
      },
    );
  }
  return found;
}
