import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTempDatabase, dropDatabase, tempDir } from "@tidemark/testkit";
import { buildRealisticHistory } from "@tidemark/testkit/histories";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../../../testkit/fixtures/realistic-history", import.meta.url));

const sqlFiles = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]),
  );

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

describe("the realistic history generator", () => {
  it("regenerates the committed fixture's SQL exactly from its seed", async () => {
    const { dir } = await tempDir("tm-history-");
    const summary = await buildRealisticHistory(dir, { migrations: 36, seed: 7 });
    expect(sqlFiles(dir)).toEqual(sqlFiles(fixture));
    expect(summary.gaps).toEqual([8]);
    expect(summary.missingSnapshots).toEqual(["0014_add_kind_3_value"]);
  });

  it("writes drizzle-kit's layout with the mess of real folders and no down files", () => {
    const journal = JSON.parse(readFileSync(path.join(fixture, "meta", "_journal.json"), "utf8"));
    expect(journal).toMatchObject({ version: "7", dialect: "postgresql" });
    const first = JSON.parse(readFileSync(path.join(fixture, "meta", "0000_snapshot.json"), "utf8"));
    expect(first.prevId).toBe("");
    const files = readdirSync(fixture);
    expect(files.filter((f) => f.endsWith(".down.sql"))).toEqual([]);
    const all = Object.values(sqlFiles(fixture)).join("\n");
    for (const needle of [
      "CREATE EXTENSION IF NOT EXISTS pg_trgm",
      "CREATE OR REPLACE FUNCTION",
      "CREATE TRIGGER",
      "CREATE VIEW",
      "DO $$",
      "COMMIT;",
      "CREATE INDEX CONCURRENTLY",
      "DROP INDEX CONCURRENTLY",
      "ADD VALUE",
      "RENAME COLUMN",
      "SET DATA TYPE",
      "INSERT INTO",
    ]) {
      expect(all, needle).toContain(needle);
    }
  });

  it("is applied by drizzle-orm's own migrate()", async () => {
    const db = await createTempDatabase();
    dbs.push(db.name);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await migrate(drizzle(sql), { migrationsFolder: fixture });
      const [row] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(row?.n).toBe(36);
    } finally {
      await sql.end();
    }
  });
});
