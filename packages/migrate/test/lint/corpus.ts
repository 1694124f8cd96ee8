import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** The four kinds of migration the corpus cycles through, for table `t` and migration `i`. */
function migrationOf(i: number, rows: number): { up: string[]; down: string[] } {
  const t = `t${Math.floor(i / 4) * 4}`;
  switch (i % 4) {
    case 0:
      return {
        up: [
          `CREATE TABLE "${t}" ("id" serial PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "created_at" timestamp with time zone DEFAULT now() NOT NULL);`,
        ],
        down: [`DROP TABLE "${t}";`],
      };
    case 1:
      return {
        up: [
          `ALTER TABLE "${t}" ADD COLUMN "c${i}" integer;`,
          `ALTER TABLE "${t}" ADD COLUMN "d${i}" text DEFAULT 'x' NOT NULL;`,
        ],
        down: [`ALTER TABLE "${t}" DROP COLUMN "d${i}";`, `ALTER TABLE "${t}" DROP COLUMN "c${i}";`],
      };
    case 2:
      return {
        up: [`CREATE INDEX "idx_${i}" ON "${t}" USING btree ("name");`],
        down: [`DROP INDEX "idx_${i}";`],
      };
    default:
      return {
        up: [`INSERT INTO "${t}" ("name") SELECT 'row ' || g FROM generate_series(1, ${rows}) g;`],
        down: [`DELETE FROM "${t}";`],
      };
  }
}

/**
 * Write the benchmark's synthetic drizzle-kit history of `n` migrations into `dir`: every fourth
 * creates a table, then adds two columns, indexes it (non-concurrently) and inserts rows.
 */
export async function writeCorpus(dir: string, n: number, rows = 100): Promise<void> {
  await mkdir(path.join(dir, "meta"), { recursive: true });
  const base = Date.UTC(2025, 0, 1);
  const entries = [];
  for (let i = 0; i < n; i++) {
    const tag = `${String(i).padStart(4, "0")}_m${i}`;
    const { up, down } = migrationOf(i, rows);
    await writeFile(path.join(dir, `${tag}.sql`), up.join("\n--> statement-breakpoint\n"));
    await writeFile(path.join(dir, `${tag}.down.sql`), down.join("\n--> statement-breakpoint\n"));
    entries.push({ idx: i, version: "7", when: base + i * 60_000, tag, breakpoints: true });
  }
  const journal = { version: "7", dialect: "postgresql", entries };
  await writeFile(path.join(dir, "meta", "_journal.json"), JSON.stringify(journal, null, 2));
}
