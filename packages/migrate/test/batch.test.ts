import { writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as demoDir } from "@tidemark/db";
import {
  adminUrl,
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  eventually,
  fixtureDir,
  runSql,
} from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { upgrade } from "../src/commands/upgrade.js";
import { nextBatchSize } from "../src/executor/run-steps.js";
import type { ProgressEvent } from "../src/types.js";
import { addMigration, failure, testContext } from "./support.js";

// Several migrations go to PostgreSQL as one query, each in its own transaction
// (executor/batch.ts). These tests break one in the middle of such a batch and check that the
// database, the report and the progress events say what a run of one migration per round trip
// would: the ones before it applied, it failed at its own statement and line, none after it ran.

const BP = "\n--> statement-breakpoint\n";
const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

/** The demo history plus `count` small migrations (0005_b5, 0006_b6, …), the one at `broken` replaced. */
async function history(count: number, broken?: { at: number; up: string }) {
  const dir = await copyMigrations(demoDir);
  const tags: string[] = [];
  for (let i = 5; i < 5 + count; i++) {
    const tag = `${String(i).padStart(4, "0")}_b${i}`;
    const up =
      broken?.at === i
        ? broken.up
        : `CREATE TABLE "b${i}" ("id" integer);${BP}INSERT INTO "b${i}" VALUES (${i});`;
    await addMigration(dir, tag, up, `DROP TABLE "b${i}";`);
    tags.push(tag);
  }
  const db = await createTempDatabase("tmbatch");
  dbs.push(db.name);
  const events: ProgressEvent[] = [];
  const { ctx, logger } = testContext(db.url, { migrationsDir: dir });
  return { dir, db, ctx, logger, tags, events, onProgress: (e: ProgressEvent) => events.push(e) };
}

const appliedCount = async (url: string) =>
  Number((await runSql<{ n: string }>(url, "select count(*) as n from drizzle.__drizzle_migrations"))[0]?.n);

const failedRows = (url: string) =>
  runSql<{ revision: string }>(url, "select revision from tidemark.history where status = 'failed'");

describe("migrations sent together", () => {
  it("applies a long history in a few round trips, one transaction and one history row each", async () => {
    const h = await history(60);
    const report = await upgrade(h.ctx, { onProgress: h.onProgress });
    expect(report.steps).toHaveLength(65);
    const batches = h.logger.lines.filter((l) => l.msg === "sending migrations together");
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(20);
    // Each migration is told started then done, in order, as if sent alone.
    const told = h.events.flatMap((e) =>
      e.type === "step-start" || e.type === "step-done" ? [`${e.type} ${e.revision}`] : [],
    );
    expect(told).toEqual(
      report.steps.flatMap((s) => [`step-start ${s.revision}`, `step-done ${s.revision}`]),
    );
    // Every migration is announced done once, in order, whatever batch it went in.
    const done = h.events.flatMap((e) => (e.type === "step-done" ? [e.revision] : []));
    expect(done).toEqual(report.steps.map((s) => s.revision));
    // Each history row has its own start, stamped on the server when its transaction began.
    const rows = await runSql<{ started_at: Date; finished_at: Date; xmin: string }>(
      h.db.url,
      "select started_at, finished_at, xmin::text from tidemark.history where status = 'ok' order by id",
    );
    expect(rows).toHaveLength(65);
    expect(new Set(rows.map((r) => r.xmin)).size).toBe(65);
    for (const [i, row] of rows.entries()) {
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      if (i > 0)
        expect(row.started_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]?.finished_at.getTime() ?? 0);
    }
  });

  it("names a runtime error's migration and statement; the ones before it stay applied", async () => {
    const up = `CREATE TABLE "half" ("id" integer);${BP}-- no position for this one\nSELECT 1/0;`;
    const h = await history(12, { at: 9, up });
    const err = await failure(upgrade(h.ctx, { onProgress: h.onProgress }));
    expect(err.code).toBe("TM_MIGRATION_FAILED");
    expect(err.message).toContain(
      `Migration 0009_b9 (up) failed at statement 2 (line 4 of ${path.join(h.dir, "0009_b9.sql")})`,
    );
    expect(err.message).toContain("division by zero");
    expect(err.message).toContain("Nothing of it was kept");
    expect(await appliedCount(h.db.url)).toBe(9);
    expect(await runSql(h.db.url, "select 1 from pg_tables where tablename = 'half'")).toHaveLength(0);
    expect((await failedRows(h.db.url)).map((r) => r.revision)).toEqual(["0009_b9"]);
    const done = h.events.flatMap((e) => (e.type === "step-done" ? [e.revision] : []));
    expect(done).toHaveLength(9);
    expect(done.at(-1)).toBe("0008_b8");
    expect(h.events.at(-1)).toMatchObject({ type: "step-start", revision: "0009_b9" });
  });

  it("runs the migrations before a syntax error that made PostgreSQL refuse the whole query", async () => {
    const up = `CREATE TABLE "typo" ("id" integer);${BP}-- two lines\n-- of comment\nSELEC 1;`;
    const h = await history(12, { at: 10, up });
    const err = await failure(upgrade(h.ctx));
    expect(err.message).toContain("Migration 0010_b10 (up) failed at statement 2 (line 5 of");
    expect(err.message).toContain('syntax error at or near "SELEC"');
    expect(await appliedCount(h.db.url)).toBe(10);
    expect((await failedRows(h.db.url)).map((r) => r.revision)).toEqual(["0010_b10"]);
  });

  it("on a messy drizzle-kit history, stops at the broken migration mid-batch and says what the database holds", async () => {
    // realistic-history: a journal gap (0008), missing snapshots, custom SQL, a DO block, an
    // index built CONCURRENTLY (0013, which runs alone and starts a new batch at 0014).
    const dir = await copyMigrations(fixtureDir("realistic-history"));
    const file = path.join(dir, "0020_add_posts_c19.sql");
    await writeFile(file, `ALTER TABLE "posts" ADD COLUMN "c19" bigint;${BP}-- keeps nothing\nSELECT 1/0;`);
    const db = await createTempDatabase("tmbatch");
    dbs.push(db.name);
    const { ctx, logger } = testContext(db.url, { migrationsDir: dir });
    const err = await failure(upgrade(ctx));
    expect(
      logger.lines.some(
        (l) => l.msg === "sending migrations together" && l.first === "0014_add_kind_3_value",
      ),
    ).toBe(true);
    expect(err.message).toContain(
      `Migration 0020_add_posts_c19 (up) failed at statement 2 (line 4 of ${file})`,
    );
    expect(err.message).toContain("Nothing of it was kept");
    // 0000–0019 without the journal's missing 0008: nineteen applied, the column of 0020 absent.
    expect(await appliedCount(db.url)).toBe(19);
    expect(
      await runSql(
        db.url,
        "select 1 from information_schema.columns where table_name = 'posts' and column_name = 'c19'",
      ),
    ).toHaveLength(0);
    expect((await failedRows(db.url)).map((r) => r.revision)).toEqual(["0020_add_posts_c19"]);
  });

  it("finds the error line of an error PostgreSQL places in a later migration of the query", async () => {
    const up = `CREATE TABLE "wide" ("id" integer);${BP}SELECT\n  "id",\n  "nope"\nFROM "wide";`;
    const h = await history(12, { at: 11, up });
    const err = await failure(upgrade(h.ctx));
    expect(err.message).toContain("Migration 0011_b11 (up) failed at statement 2 (line 3 of");
    expect(err.message).toContain("the error is on line 5");
    expect(await appliedCount(h.db.url)).toBe(11);
  });

  it("retries a lock timeout on its own and goes on with the rest", async () => {
    const h = await history(12, { at: 8, up: `ALTER TABLE "users" ADD COLUMN "late" integer;` });
    await upgrade(h.ctx, { to: "0004_set_default_avatar_url" });
    const holder = postgres(h.db.url, { max: 1, onnotice: () => {} });
    const held = holder.begin(async (tx) => {
      await tx`lock table "users" in access exclusive mode`;
      await new Promise((r) => setTimeout(r, 1500));
    });
    await new Promise((r) => setTimeout(r, 200));
    const report = await upgrade(
      { ...h.ctx, lockTimeoutMs: 300, lockRetries: 3 },
      { onProgress: h.onProgress },
    );
    await held;
    await holder.end();
    expect(report.steps).toHaveLength(12);
    expect(h.events.some((e) => e.type === "retry" && e.revision === "0008_b8")).toBe(true);
    expect(await appliedCount(h.db.url)).toBe(17);
  });

  it("reads back what committed when the connection dies in the middle of a batch", async () => {
    const h = await history(12, {
      at: 9,
      up: `CREATE TABLE "slow" ("id" integer);${BP}SELECT pg_sleep(30);`,
    });
    const run = failure(upgrade(h.ctx, { onProgress: h.onProgress }));
    // While it sleeps, whoever follows the run already knows 0008 committed and 0009 started.
    await eventually(
      () => h.events.some((e) => e.type === "step-start" && e.revision === "0009_b9"),
      "0009_b9 to be told started",
    );
    expect(
      h.events
        .filter((e) => e.type === "step-done")
        .map((e) => (e as { revision: string }).revision)
        .at(-1),
    ).toBe("0008_b8");
    const killed = await eventually(async () => {
      const rows = await runSql<{ ok: boolean }>(
        adminUrl,
        `select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = '${h.db.name}' and wait_event = 'PgSleep'`,
      );
      return rows.length > 0 ? rows : undefined;
    }, "the batch to reach its sleeping migration");
    expect(killed.length).toBeGreaterThan(0);
    const err = await run;
    expect(err.code).toBe("TM_SESSION_LOST");
    expect(err.message).toContain("Migration 0009_b9 (up) failed");
    expect(err.message).toContain("Nothing of it was kept");
    expect(await appliedCount(h.db.url)).toBe(9);
    expect(await runSql(h.db.url, "select 1 from pg_tables where tablename = 'slow'")).toHaveLength(0);
  });

  it("sends one migration per round trip to a database without PL/pgSQL, and still applies them all", async () => {
    const h = await history(12);
    await runSql(h.db.url, "drop extension plpgsql");
    const report = await upgrade(h.ctx);
    expect(report.steps).toHaveLength(17);
    expect(h.logger.lines.filter((l) => l.msg === "sending migrations together")).toHaveLength(0);
    expect(await appliedCount(h.db.url)).toBe(17);
  });

  it("stops between round trips when shutdown is requested, leaving the rest pending", async () => {
    const h = await history(40);
    let calls = 0;
    const report = await upgrade(h.ctx, { shouldStop: () => ++calls > 1 });
    expect(report.interrupted).toBe(true);
    expect(report.steps.length).toBeGreaterThan(0);
    expect(report.steps.length).toBeLessThan(45);
    expect(await appliedCount(h.db.url)).toBe(report.steps.length);
  });
});

describe("batch sizes", () => {
  it("grow while batches are quick, and shrink fast after a slow one", () => {
    expect(nextBatchSize(8, 20)).toBe(16);
    expect(nextBatchSize(128, 20)).toBe(128);
    expect(nextBatchSize(16, 500)).toBe(16);
    expect(nextBatchSize(16, 5000)).toBe(4);
    expect(nextBatchSize(2, 5000)).toBe(1);
  });
});
