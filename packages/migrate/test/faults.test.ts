import { rm } from "node:fs/promises";
import path from "node:path";
import {
  copyMigrations,
  createTempDatabase,
  databaseUrl,
  dropDatabase,
  editJournal,
  eventually,
} from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { history } from "../src/commands/history.js";
import { rollback } from "../src/commands/rollback.js";
import { status } from "../src/commands/status.js";
import { upgrade } from "../src/commands/upgrade.js";
import { verify } from "../src/commands/verify.js";
import { assertSessionAlive, sessionLost, withDatabase } from "../src/connection.js";
import { withMigrationLock } from "../src/lock.js";
import { addMigration, editFile, schemaDump, testContext } from "./support.js";

const dbs: string[] = [];
async function setup(options: { upTo?: string } = {}) {
  const db = await createTempDatabase();
  dbs.push(db.name);
  const dir = await copyMigrations(testContext("postgres://x").ctx.migrationsDir);
  const { ctx, logger } = testContext(db.url, { migrationsDir: dir });
  if (options.upTo !== "base") await upgrade(ctx, { to: options.upTo });
  return { db, dir, ctx, logger };
}
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

describe("faults", () => {
  it("refuses to upgrade when an applied migration was edited on disk, and reports the drift", async () => {
    const { ctx, dir } = await setup({ upTo: "0002" });
    await editFile(dir, "0001_add_categories_table", "\n-- sneaky edit\n");
    await expect(upgrade(ctx)).rejects.toMatchObject({
      code: "TM_CHECKSUM_MISMATCH",
      message: expect.stringContaining("0001_add_categories_table"),
    });
    const s = await status(ctx);
    expect(s.current).toBe("0002_increase_username_length");
    expect(s.drift).toEqual([
      expect.objectContaining({ revision: "0001_add_categories_table", kind: "changed" }),
    ]);
    expect((await verify(ctx)).ok).toBe(false);
  });

  it("refuses to upgrade when an applied migration was deleted", async () => {
    const { ctx, dir } = await setup();
    await editJournal(dir, (journal) => journal.entries.pop());
    await rm(path.join(dir, "0004_set_default_avatar_url.sql"));
    await expect(upgrade(ctx)).rejects.toMatchObject({ code: "TM_MIGRATION_MISSING" });
  });

  it("detects a migration merged late with an older timestamp instead of skipping it", async () => {
    const { ctx, dir } = await setup();
    await addMigration(dir, "0005_merged_late", `CREATE TABLE "late" ("id" integer);`, `DROP TABLE "late";`, {
      when: 1000,
    });
    await expect(upgrade(ctx)).rejects.toMatchObject({
      code: "TM_LATE_MIGRATION",
      message: expect.stringContaining("0005_merged_late"),
    });
    expect((await status(ctx)).late).toEqual(["0005_merged_late"]);
  });

  it("leaves the database at the last good revision when a migration fails halfway, with the error recorded", async () => {
    const { ctx, dir, db } = await setup();
    const before = await schemaDump(db.url);
    await addMigration(
      dir,
      "0005_breaks_halfway",
      [
        `CREATE TABLE "half" ("id" integer);`,
        `ALTER TABLE "users" ADD COLUMN "nickname" text;`,
        `ALTER TABLE "no_such_table" ADD COLUMN "x" integer;`,
      ].join("\n--> statement-breakpoint\n"),
      `DROP TABLE "half";`,
    );
    const err = await upgrade(ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "TM_MIGRATION_FAILED",
      details: { revision: "0005_breaks_halfway", statementIndex: 3 },
    });
    expect((err as Error).message).toContain("no_such_table");
    expect(await schemaDump(db.url)).toBe(before);
    const s = await status(ctx);
    expect(s.current).toBe("0004_set_default_avatar_url");
    expect(s.lastFailure).toMatchObject({ revision: "0005_breaks_halfway", status: "failed" });
    expect(s.lastFailure?.error).toContain("TM_MIGRATION_FAILED");
  });

  it("runs the whole plan in one transaction with --single-transaction, keeping nothing on failure", async () => {
    const { ctx, dir } = await setup({ upTo: "0001" });
    await addMigration(dir, "0005_breaks", `SELECT 1/0;`, `SELECT 1;`);
    await expect(upgrade(ctx, { singleTransaction: true })).rejects.toMatchObject({
      code: "TM_MIGRATION_FAILED",
    });
    const s = await status(ctx);
    expect(s.current).toBe("0001_add_categories_table");
    expect(s.lastFailure?.revision).toBe("0005_breaks");
  });

  it("lets one of two concurrent upgrades apply while the other waits and then finds nothing to do", async () => {
    const { ctx, dir, db } = await setup({ upTo: "base" });
    await addMigration(dir, "0005_slow", `SELECT pg_sleep(0.5);`, `SELECT 1;`);
    const [a, b] = await Promise.all([
      upgrade(ctx),
      upgrade(testContext(db.url, { migrationsDir: dir }).ctx),
    ]);
    const applied = [a, b].map((r) => r.steps.length).sort();
    expect(applied).toEqual([0, 6]);
    const ups = (await history(ctx)).filter((h) => h.direction === "up");
    expect(ups).toHaveLength(6);
    expect(new Set(ups.map((h) => h.revision)).size).toBe(6);
  });

  it("retries on lock_timeout and then fails naming the blocking pid", async () => {
    const { ctx, dir, db } = await setup();
    await addMigration(
      dir,
      "0005_needs_lock",
      `ALTER TABLE "users" ADD COLUMN "blocked" integer;`,
      `SELECT 1;`,
    );
    const blocker = postgres(db.url, { max: 1, onnotice: () => {} });
    const reserved = await blocker.reserve();
    await reserved`begin`;
    await reserved`select * from users`;
    const [{ pid }] = (await reserved`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
    const events: string[] = [];
    try {
      const err = await upgrade(
        { ...ctx, lockTimeoutMs: 100, lockRetries: 2 },
        {
          onProgress: (e) => events.push(e.type),
        },
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "TM_LOCK_TIMEOUT" });
      expect((err as Error).message).toContain(`pid ${pid}`);
      expect(events.filter((e) => e === "retry")).toHaveLength(2);
    } finally {
      await reserved`rollback`;
      reserved.release();
      await blocker.end();
    }
    expect((await upgrade(ctx)).steps.map((s) => s.revision)).toEqual(["0005_needs_lock"]);
  });

  it("refuses to roll back a migration without a down file before changing anything", async () => {
    const { ctx, dir } = await setup();
    await rm(path.join(dir, "0003_add_user_avatar_url.down.sql"));
    await expect(rollback(ctx, { to: "0002", noBackup: true })).rejects.toMatchObject({
      code: "TM_DOWN_MISSING",
      message: expect.stringContaining("0003_add_user_avatar_url.down.sql"),
    });
    expect((await status(ctx)).current).toBe("0004_set_default_avatar_url");
  });

  it("names host and database but never the password when the database is unreachable", async () => {
    const url = "postgres://admin:hunter2secret@127.0.0.1:1/appdb";
    const { ctx } = testContext(url);
    const err = await upgrade(ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TM_DB_UNREACHABLE" });
    expect((err as Error).message).toContain("127.0.0.1:1/appdb");
    expect(JSON.stringify(err)).not.toContain("hunter2secret");
    expect((err as Error).message).not.toContain("hunter2secret");
  });

  it("reports a wrong password as an authentication failure without echoing it", async () => {
    const u = new URL(databaseUrl("postgres"));
    u.username = "no_such_role_tm";
    u.password = "topsecretpw";
    const err = await upgrade(testContext(u.toString()).ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TM_DB_UNREACHABLE" });
    expect((err as Error).message).not.toContain("topsecretpw");
  });

  it("rebuilds an index left invalid by an interrupted CREATE INDEX CONCURRENTLY", async () => {
    const { ctx, dir, db } = await setup();
    await addMigration(
      dir,
      "0005_concurrent_index",
      `CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");`,
      `DROP INDEX "users_email_idx";`,
    );
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    // Simulate the crash: an invalid index of that name exists, the migration is not recorded.
    await sql`create index users_email_idx on users (email)`;
    await sql`update pg_index set indisvalid = false where indexrelid = 'users_email_idx'::regclass`;
    expect((await verify(ctx)).invalidIndexes).toEqual(["public.users_email_idx"]);
    await upgrade(ctx);
    const [row] = await sql`select indisvalid from pg_index where indexrelid = 'users_email_idx'::regclass`;
    await sql.end();
    expect(row?.indisvalid).toBe(true);
    expect((await verify(ctx)).ok).toBe(true);
  });
});

describe("a lost database session", () => {
  it("fails the migration cleanly, with no uncaught exception, when its backend is terminated", async () => {
    const { ctx, dir, db } = await setup();
    await addMigration(dir, "0005_slow", `SELECT pg_sleep(3);`, `SELECT 1;`);
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const run = upgrade(ctx).catch((e: unknown) => e);
      const pid = await eventually(
        async () => {
          const [row] = await admin<{ pid: number }[]>`
          select pid from pg_stat_activity
          where datname = current_database() and query like '%pg_sleep(3)%' and pid <> pg_backend_pid()`;
          return row?.pid;
        },
        "the slow migration's backend",
        10_000,
        25,
      );
      await admin`select pg_terminate_backend(${pid})`;
      const err = await run;
      expect(err).toMatchObject({ code: "TM_SESSION_LOST", details: { revision: "0005_slow" } });
      expect((err as Error).message).toContain("Nothing of it was kept");
      const s = await status(ctx);
      expect(s.current).toBe("0004_set_default_avatar_url");
      expect(s.lastFailure).toMatchObject({ revision: "0005_slow", status: "failed" });
    } finally {
      await admin.end();
    }
  });

  it("refuses to go on once the backend holding the lock is gone", async () => {
    const { ctx, db } = await setup();
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const err = await withDatabase(db.url, (sql) =>
        withMigrationLock(sql, ctx, async () => {
          assertSessionAlive(sql);
          const [{ pid }] = (await sql`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
          await admin`select pg_terminate_backend(${pid})`;
          await eventually(() => sessionLost(sql), "the session to notice its backend is gone", 10_000, 10);
          return Promise.resolve()
            .then(() => assertSessionAlive(sql))
            .catch((e: unknown) => e);
        }),
      );
      expect(err).toMatchObject({ code: "TM_SESSION_LOST" });
    } finally {
      await admin.end();
    }
  });
});
