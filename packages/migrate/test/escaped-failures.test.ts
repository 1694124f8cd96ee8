import { writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as demoDir } from "@tidemark/db";
import { copyMigrations, createTempDatabase, dropDatabase, fixtureDir } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { upgrade } from "../src/commands/upgrade.js";
import type { EngineContext } from "../src/types.js";
import { addMigration, failure, testContext } from "./support.js";

const BP = "\n--> statement-breakpoint\n";
const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

/** The escaped-history fixture applied to a fresh database, plus one more migration to fail. */
async function appliedHistoryPlus(tag: string, up: string, overrides: Partial<EngineContext> = {}) {
  const db = await createTempDatabase("tmf");
  dbs.push(db.name);
  const dir = await copyMigrations(fixtureDir("escaped-history"));
  const { ctx } = testContext(db.url, { migrationsDir: dir, ...overrides });
  await upgrade(ctx);
  await addMigration(dir, tag, up);
  return { db, dir, ctx };
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return [...(await sql.unsafe(text))] as T[];
  } finally {
    await sql.end();
  }
}

const count = async (url: string, text: string) =>
  Number((await query<{ n: string }>(url, `select count(*) as n from (${text}) q`))[0]?.n);

describe("a failure inside a file that runs outside a transaction", () => {
  it("speaks of one kept statement and one rolled-back statement in the singular", async () => {
    const up = ["COMMIT;", "BEGIN;", 'SELECT "nope" FROM "events";'].join(BP);
    const { ctx } = await appliedHistoryPlus("0019_singular_escape", up);
    const err = await failure(upgrade(ctx));
    expect(err.details).toMatchObject({ kept: [1], rolledBack: [2] });
    expect(err.message).toContain("statement 1 ran and stays applied.");
    expect(err.message).toContain("Statement 2 ran inside the file's own BEGIN and was rolled back.");
  });

  it("says which statements ran and stay, which one failed on which line, and what the database holds", async () => {
    const up = [
      "COMMIT;",
      'CREATE INDEX CONCURRENTLY "events_kind_idx" ON "events" ("kind");',
      "BEGIN;",
      'CREATE TABLE "scratch" ("id" integer);',
      '-- count what is left\nSELECT\n  count(*),\n  "nope"\nFROM "events";',
    ].join(BP);
    const { db, ctx, dir } = await appliedHistoryPlus("0019_broken_escape", up);
    const err = await failure(upgrade(ctx));
    const file = path.join(dir, "0019_broken_escape.sql");
    expect(err.code).toBe("TM_MIGRATION_FAILED");
    expect(err.message).toContain(`at statement 5 (line 10 of ${file}; the error is on line 12)`);
    expect(err.message).toContain('column "nope" does not exist');
    expect(err.message).toContain(
      "It runs outside a transaction (COMMIT on line 1): statements 1–2 ran and stay applied.",
    );
    expect(err.message).toContain("Statements 3–4 ran inside the file's own BEGIN and were rolled back");
    expect(err.message).toContain("the next upgrade runs the file again from its first statement");
    expect(err.message).not.toContain("Nothing of it was kept");
    expect(err.details).toMatchObject({ revision: "0019_broken_escape", kept: [1, 2], rolledBack: [3, 4] });
    // The database holds exactly that: the index stayed, the table went with the rollback.
    expect(await count(db.url, "select 1 from pg_indexes where indexname = 'events_kind_idx'")).toBe(1);
    expect(await count(db.url, "select 1 from pg_tables where tablename = 'scratch'")).toBe(0);
    expect(await count(db.url, "select 1 from drizzle.__drizzle_migrations")).toBe(19);
    expect(
      await count(
        db.url,
        "select 1 from tidemark.history where revision = '0019_broken_escape' and status = 'failed'",
      ),
    ).toBe(1);
    // Following the advice (make what stayed repeatable, fix the statement) finishes the job.
    await writeFile(
      file,
      up.replace("CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS").replace(',\n  "nope"', ""),
    );
    expect((await upgrade(ctx)).steps.map((s) => s.revision)).toEqual(["0019_broken_escape"]);
    expect(await count(db.url, "select 1 from pg_tables where tablename = 'scratch'")).toBe(1);
  });

  it("says nothing was kept only when true: a file that does not parse runs none of its statements", async () => {
    // Formerly replayed statement by statement: the file's COMMIT ended the replay's
    // transaction and the index was dropped for real under "Nothing of it was kept".
    const up = ["COMMIT;", 'DROP INDEX CONCURRENTLY "users_name_trgm_idx";', "SELEC 1;"].join(BP);
    const { db, ctx } = await appliedHistoryPlus("0019_typo", up);
    const err = await failure(upgrade(ctx));
    expect(err.message).toContain("at statement 3 (line 5 of");
    expect(err.message).toContain("Nothing of it was kept");
    expect(await count(db.url, "select 1 from pg_indexes where indexname = 'users_name_trgm_idx'")).toBe(1);
  });

  it("names a transactional file's failing statement without a position by a replay that keeps nothing", async () => {
    const up = [
      'CREATE TABLE "pairs" ("id" integer);',
      'INSERT INTO "pairs" VALUES (1), (1);',
      '-- the duplicate makes this fail\nALTER TABLE "pairs" ADD PRIMARY KEY ("id");',
    ].join(BP);
    const { db, ctx } = await appliedHistoryPlus("0019_pairs", up);
    const err = await failure(upgrade(ctx));
    expect(err.message).toContain("at statement 3 (line 6 of");
    expect(err.message).toContain("Nothing of it was kept");
    expect(await count(db.url, "select 1 from pg_tables where tablename = 'pairs'")).toBe(0);
  });
});

describe("a file that runs outside a transaction, beyond failures", () => {
  it("resumes a lock-timeout retry at the statement that waited, without repeating committed ones", async () => {
    const up = [
      "COMMIT;",
      'CREATE TABLE "once" ("id" integer);',
      'ALTER TABLE "events" ADD COLUMN "note" text;',
    ].join(BP);
    const { db, ctx } = await appliedHistoryPlus("0019_wait", up, { lockTimeoutMs: 200, lockRetries: 3 });
    const blocker = postgres(db.url, { max: 1, onnotice: () => {} });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // An open transaction that read "events" blocks the ALTER until the first retry lets it go.
    const holding = blocker.begin(async (tx) => {
      await tx`select 1 from "events" limit 1`;
      locked();
      await released;
    });
    await isLocked;
    let retries = 0;
    try {
      const onProgress = (e: { type: string }) => {
        if (e.type !== "retry") return;
        retries++;
        release();
      };
      const report = await upgrade(ctx, { onProgress });
      expect(report.steps.map((s) => s.revision)).toEqual(["0019_wait"]);
    } finally {
      release();
      await holding;
      await blocker.end();
    }
    expect(retries).toBeGreaterThan(0);
    expect(await count(db.url, "select 1 from pg_tables where tablename = 'once'")).toBe(1);
    expect(await count(db.url, "select 1 from information_schema.columns where column_name = 'note'")).toBe(
      1,
    );
  });

  it("refuses --single-transaction, naming the file and the statement that takes it outside", async () => {
    const db = await createTempDatabase("tmf");
    dbs.push(db.name);
    const { ctx } = testContext(db.url, { migrationsDir: fixtureDir("escaped-history") });
    const err = await failure(upgrade(ctx, { singleTransaction: true }));
    expect(err.code).toBe("TM_USAGE");
    expect(err.message).toContain(
      "Migration 0007_concurrent_indexes must run outside a transaction (COMMIT on line 2)",
    );
    expect(await count(db.url, "select 1 from drizzle.__drizzle_migrations")).toBe(0);
  });

  it("names the line of PostgreSQL's error position in a transactional file, not the comment above the statement", async () => {
    const up = [
      'CREATE TABLE "notes" ("id" integer);',
      '-- totals\nSELECT\n  count(*),\n  "missing"\nFROM "notes";',
    ].join(BP);
    const { ctx, dir } = await appliedHistoryPlus("0019_totals", up);
    const err = await failure(upgrade(ctx));
    const file = path.join(dir, "0019_totals.sql");
    expect(err.message).toContain(`at statement 2 (line 4 of ${file}; the error is on line 6)`);
    expect(err.message).toContain("Nothing of it was kept");
  });

  it("names the statement whose text ends too early, though PostgreSQL points past it", async () => {
    const up = ["SELECT 1;", 'CREATE TABLE "half" (\n  "id" integer,'].join(BP);
    const { ctx, dir } = await appliedHistoryPlus("0019_half", up);
    const err = await failure(upgrade(ctx));
    const file = path.join(dir, "0019_half.sql");
    expect(err.message).toContain(`at statement 2 (line 3 of ${file}; the error is on line 4)`);
  });

  it("points at the error's line inside --single-transaction too, and says the whole run was undone", async () => {
    const db = await createTempDatabase("tmf");
    dbs.push(db.name);
    const dir = await copyMigrations(demoDir);
    await addMigration(dir, "0005_totals", '-- totals\nSELECT\n  count(*),\n  "missing"\nFROM "users";');
    const { ctx } = testContext(db.url, { migrationsDir: dir });
    const err = await failure(upgrade(ctx, { singleTransaction: true }));
    expect(err.message).toContain(
      `at statement 1 (line 2 of ${path.join(dir, "0005_totals.sql")}; the error is on line 4)`,
    );
    expect(err.message).toContain("Nothing of this run was kept");
    expect(await count(db.url, "select 1 from pg_tables where schemaname = 'public'")).toBe(0);
  });
});
