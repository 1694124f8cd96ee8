import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readMigrations } from "../../src/journal.js";
import type { Migration } from "../../src/types.js";

/** One migration to write: its up SQL, its down SQL (null: no down file), or a TS migration. */
export type HistoryEntry = string | { up: string; down?: string | null; ts?: boolean };

/** Throw-away drizzle-kit folders for lint tests; call `cleanup` in afterAll. */
export function historyFolders() {
  const dirs: string[] = [];
  return {
    /** Write the entries as a drizzle-kit folder (0000_m0 …) and read it back as migrations. */
    async write(entries: HistoryEntry[]): Promise<Migration[]> {
      const dir = await mkdtemp(path.join(tmpdir(), "tm-lint-"));
      dirs.push(dir);
      await mkdir(path.join(dir, "meta"));
      const journal = entries.map((entry, idx) => {
        const tag = `${String(idx).padStart(4, "0")}_m${idx}`;
        return { idx, version: "7", when: 1_735_689_600_000 + idx, tag, breakpoints: true, entry };
      });
      for (const { tag, entry } of journal) {
        const e = typeof entry === "string" ? { up: entry } : entry;
        await writeFile(path.join(dir, `${tag}.${e.ts ? "ts" : "sql"}`), e.up);
        if (e.down !== null && !e.ts)
          await writeFile(path.join(dir, `${tag}.down.sql`), e.down ?? "SELECT 1;");
      }
      const entriesJson = journal.map(({ entry: _entry, ...rest }) => rest);
      await writeFile(
        path.join(dir, "meta", "_journal.json"),
        JSON.stringify({ version: "7", dialect: "postgresql", entries: entriesJson }),
      );
      return readMigrations(dir);
    },
    async cleanup(): Promise<void> {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}
