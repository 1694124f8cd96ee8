import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { isTidemarkError, lintMigrations, lintSql, runsOutsideTransaction } from "../../src/index.js";
import { readMigrations } from "../../src/journal.js";
import { writeCorpus } from "./corpus.js";
import { historyFolders } from "./folders.js";

const folders = historyFolders();
const scratch: string[] = [];
afterAll(async () => {
  await folders.cleanup();
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const seedDir = path.join(repoRoot, "packages/db/migrations");

describe("the seed history", () => {
  test("lints clean: it creates tables, widens a varchar, adds a nullable column and backfills with WHERE", async () => {
    const migrations = await readMigrations(seedDir);
    expect(migrations.length).toBeGreaterThanOrEqual(4);
    const report = await lintMigrations(migrations);
    expect(report).toEqual({ findings: [], suppressed: [], errors: 0, warnings: 0 });
  });

  test("has down files that really are destructive, and lint says so when they are linted as SQL", async () => {
    const migrations = await readMigrations(seedDir);
    const losses: string[] = [];
    for (const m of migrations) {
      if (!m.downFile) continue;
      const report = await lintSql(await readFile(m.downFile, "utf8"), {
        file: m.downFile,
        transactional: true,
      });
      losses.push(...report.findings.filter((f) => f.severity === "error").map((f) => `${m.tag} ${f.rule}`));
    }
    expect(losses).toEqual(
      expect.arrayContaining([
        "0000_create_users_table drop-table",
        "0001_add_categories_table drop-table",
        "0003_add_user_avatar_url drop-column",
      ]),
    );
  });
});

describe("walking a history", () => {
  test("knows which tables earlier migrations created, and which this one creates", async () => {
    const migrations = await folders.write([
      `CREATE TABLE "a" ("id" integer, "v" varchar(20));`,
      `CREATE INDEX "a_v" ON "a" ("v");\n--> statement-breakpoint\nCREATE TABLE "b" ("id" integer);\n--> statement-breakpoint\nCREATE INDEX "b_id" ON "b" ("id");`,
      `ALTER TABLE "b" RENAME TO "c";\n--> statement-breakpoint\nALTER TABLE "c" ALTER COLUMN "id" SET NOT NULL;`,
      `DROP TABLE "c";\n--> statement-breakpoint\nCREATE TABLE "c" ("id" integer);\n--> statement-breakpoint\nCREATE INDEX "c_id" ON "c" ("id");`,
      `ALTER TABLE "a" ALTER COLUMN "v" TYPE varchar(10);`,
    ]);
    const report = await lintMigrations(migrations);
    expect(report.findings.map((f) => `${f.revision} ${f.line} ${f.rule}`)).toEqual([
      "0001_m1 1 create-index-not-concurrently",
      "0002_m2 1 rename-table",
      "0002_m2 3 set-not-null",
      "0003_m3 1 drop-table",
      "0004_m4 1 narrow-type",
    ]);
    expect(report.findings.at(-1)?.message).toContain("from varchar(20) to varchar(10)");
  });

  test("does not flag lock rules on a table no migration created (history linted from scratch)", async () => {
    const migrations = await folders.write([`CREATE INDEX "x_i" ON "x" ("id");`, `DROP TABLE "x";`]);
    const report = await lintMigrations(migrations);
    expect(report.findings.map((f) => `${f.revision} ${f.rule}`)).toEqual(["0001_m1 drop-table"]);
  });

  test("reports only the requested revisions, by tag or prefix, while still tracking every table", async () => {
    const migrations = await folders.write([
      `CREATE TABLE "a" ("id" integer);`,
      `DELETE FROM "a";`,
      `CREATE INDEX "a_id" ON "a" ("id");`,
    ]);
    const report = await lintMigrations(migrations, { revisions: ["0002"] });
    expect(report.findings.map((f) => `${f.revision} ${f.rule}`)).toEqual([
      "0002_m2 create-index-not-concurrently",
    ]);
    const both = await lintMigrations(migrations, { revisions: ["0001_m1", "0002"] });
    expect(both.findings.map((f) => f.revision)).toEqual(["0001_m1", "0002_m2"]);
  });

  test("rejects an unknown revision with TM_UNKNOWN_REVISION", async () => {
    const migrations = await folders.write([`CREATE TABLE "a" ("id" integer);`]);
    const error = await lintMigrations(migrations, { revisions: ["0099"] }).catch((e: unknown) => e);
    expect(isTidemarkError(error) && error.code).toBe("TM_UNKNOWN_REVISION");
  });

  test("skips TypeScript migrations, which carry their own down", async () => {
    const migrations = await folders.write([
      `CREATE TABLE "a" ("id" integer);`,
      { up: "export async function up() {}\nexport async function down() {}\n", ts: true },
    ]);
    expect(migrations[1]?.kind).toBe("ts");
    expect((await lintMigrations(migrations)).findings).toEqual([]);
  });

  test("reports a missing down file at line 1 unless the file allows it", async () => {
    const migrations = await folders.write([
      { up: `CREATE TABLE "a" ("id" integer);`, down: null },
      {
        up: `-- tidemark:allow missing-down (irreversible by design)\nCREATE TABLE "b" ("id" integer);`,
        down: null,
      },
    ]);
    const report = await lintMigrations(migrations);
    expect(report.findings.map((f) => [f.revision, f.rule, f.line, f.severity])).toEqual([
      ["0000_m0", "missing-down", 1, "warning"],
    ]);
    expect(report.findings[0]?.message).toContain("0000_m0.down.sql");
    expect(report.suppressed.map((f) => [f.revision, f.rule])).toEqual([["0001_m1", "missing-down"]]);
  });

  test("judges a migration as the executor runs it: CONCURRENTLY or the no-transaction line take it outside a transaction", async () => {
    const migrations = await folders.write([
      `CREATE TABLE "a" ("id" integer);`,
      `CREATE INDEX CONCURRENTLY "a1" ON "a" ("id");\n--> statement-breakpoint\nDROP INDEX CONCURRENTLY "a0";`,
      `--tidemark:no-transaction\nREINDEX INDEX CONCURRENTLY "a1";`,
      `-- CREATE INDEX CONCURRENTLY in a comment does not count\nBEGIN;\nDROP INDEX CONCURRENTLY "a1";\nCOMMIT;`,
    ]);
    const report = await lintMigrations(migrations);
    expect(report.findings.map((f) => `${f.revision} ${f.rule}`)).toEqual([
      "0003_m3 concurrently-in-transaction",
    ]);
    expect(
      await runsOutsideTransaction(`SELECT 1;\nCREATE UNIQUE INDEX CONCURRENTLY "u" ON "a" ("id");`),
    ).toBe(true);
    expect(await runsOutsideTransaction(`SELECT 'CREATE INDEX CONCURRENTLY';`)).toBe(false);
  });

  test("keeps walking after a migration with a syntax error", async () => {
    const migrations = await folders.write([`CREATE TABLE "a" ("id" integer`, `TRUNCATE "a";`]);
    const report = await lintMigrations(migrations);
    expect(report.findings.map((f) => `${f.revision} ${f.rule} ${f.line}`)).toEqual([
      "0000_m0 syntax-error 1",
      "0001_m1 truncate 1",
    ]);
  });
});

describe("the 200-migration benchmark corpus", () => {
  test("lints with no errors and one index warning per CREATE INDEX on an existing table", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "tm-lint-corpus-"));
    scratch.push(out);
    await writeCorpus(out, 200);
    const migrations = await readMigrations(out);
    expect(migrations).toHaveLength(200);
    const report = await lintMigrations(migrations);
    expect(report.errors).toBe(0);
    expect(new Set(report.findings.map((f) => f.rule))).toEqual(new Set(["create-index-not-concurrently"]));
    expect(report.warnings).toBe(50);
  });
});
