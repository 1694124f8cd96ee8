import { migrationsDir } from "@tidemark/db";
import {
  addMigration,
  BROKEN_MIGRATION,
  copyMigrations,
  createTempDatabase,
  databaseUrl,
  dropDatabase,
  dropQueuePrefix,
  rewriteMigration,
  runSql,
  tempDir,
  uniqueId,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { buildTestApi, CLOSED_REDIS_URL, eventually, readerAuth, type TestApi } from "./support.js";

const dbs: string[] = [];
const prefixes: string[] = [];

function prefix(): string {
  const p = uniqueQueuePrefix();
  prefixes.push(p);
  return p;
}
const cleanups: (() => Promise<void>)[] = [];
let api: TestApi | undefined;

async function freshDb(): Promise<{ name: string; url: string }> {
  const db = await createTempDatabase("tm_api_boot");
  dbs.push(db.name);
  return db;
}

const query = runSql;

async function brokenMigrationsDir(): Promise<string> {
  const dir = await copyMigrations(migrationsDir);
  cleanups.push(async () => (await import("node:fs/promises")).rm(dir, { recursive: true, force: true }));
  await addMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.up, BROKEN_MIGRATION.down);
  return dir;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
});

afterAll(async () => {
  for (const c of cleanups) await c();
  for (const name of dbs) await dropDatabase(name);
  for (const p of prefixes) await dropQueuePrefix(p);
});

describe("boot sequence", () => {
  it("migrates an empty database in-process in inline mode and logs the seed's lines in order", async () => {
    const db = await freshDb();
    api = await buildTestApi({
      DATABASE_URL: db.url,
      MIGRATE_ON_BOOT: "inline",
      REDIS_URL: CLOSED_REDIS_URL,
    });
    const snapshot = await api.boot.start();

    expect(snapshot.phase).toBe("ready");
    expect(snapshot.revision).toBe("0004_set_default_avatar_url");
    const msgs = api.logs.map((l) => l.msg);
    expect(msgs.indexOf("🔄 Running database migrations...")).toBeGreaterThanOrEqual(0);
    expect(msgs.indexOf("✅ Database migrations completed")).toBeGreaterThan(
      msgs.indexOf("🔄 Running database migrations..."),
    );
    expect(api.logged("✅ Database migrations completed")[0]).toMatchObject({ upToDate: false, steps: 5 });
    const rows = await query<{ n: number }>(
      db.url,
      "select count(*)::int as n from drizzle.__drizzle_migrations",
    );
    expect(rows[0]?.n).toBe(5);
    const ready = await api.app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
  });

  it("turns ready on an up-to-date database without touching Redis, even in queue mode", async () => {
    const db = await freshDb();
    const first = await buildTestApi({ DATABASE_URL: db.url, MIGRATE_ON_BOOT: "inline" });
    await first.boot.start();
    await first.close();

    // Redis is unreachable: any queue round trip would fail the boot.
    api = await buildTestApi({ DATABASE_URL: db.url, MIGRATE_ON_BOOT: "queue", REDIS_URL: CLOSED_REDIS_URL });
    const snapshot = await api.boot.start();
    expect(snapshot.phase).toBe("ready");
    expect(api.logged("✅ Database migrations completed")[0]).toMatchObject({ upToDate: true, steps: 0 });
    expect(api.logs.some((l) => String(l.msg).includes("applying migrations"))).toBe(false);
  });

  it("creates a database that does not exist yet when migrating inline", async () => {
    const name = uniqueId("tm_api_new");
    dbs.push(name);
    api = await buildTestApi({ DATABASE_URL: databaseUrl(name), MIGRATE_ON_BOOT: "inline" });
    const snapshot = await api.boot.start();
    expect(snapshot.phase).toBe("ready");
    const users = await api.app.inject({ url: "/users" });
    expect(users.statusCode).toBe(200);
  });

  it("creates the tables from the schema when there are no migrations at all", async () => {
    const db = await freshDb();
    const empty = await tempDir("tm-no-migrations-");
    cleanups.push(empty.cleanup);
    api = await buildTestApi({ DATABASE_URL: db.url, TIDEMARK_MIGRATIONS_DIR: empty.dir });
    const snapshot = await api.boot.start();
    expect(snapshot.phase).toBe("ready");
    expect(api.logged("🔧 Creating database tables...")).toHaveLength(1);
    const created = await api.app.inject({
      method: "POST",
      url: "/categories",
      payload: { name: "books" },
    });
    expect(created.statusCode).toBe(201);
  });

  it("stays up in degraded mode when a migration fails, then turns ready once it is fixed and applied", async () => {
    const db = await freshDb();
    const dir = await brokenMigrationsDir();
    api = await buildTestApi({
      DATABASE_URL: db.url,
      MIGRATE_ON_BOOT: "inline",
      TIDEMARK_MIGRATIONS_DIR: dir,
    });
    const snapshot = await api.boot.start();

    expect(snapshot.phase).toBe("degraded");
    expect(snapshot.failure).toMatchObject({ code: "TM_MIGRATION_FAILED", migration: BROKEN_MIGRATION.tag });
    expect(snapshot.failure?.statement).toContain("no_such_table");
    const [error] = api.logged("❌ Database initialization error");
    expect(error).toMatchObject({ code: "TM_MIGRATION_FAILED", migration: BROKEN_MIGRATION.tag });
    expect(String(error?.nextCommand)).toContain("pnpm cli upgrade");

    const ready = await api.app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().failure.code).toBe("TM_MIGRATION_FAILED");
    const users = await api.app.inject({ url: "/users" });
    expect(users.statusCode).toBe(503);
    expect(users.json().error.code).toBe("TM_NOT_READY");
    const status = await api.app.inject({ url: "/migrations/status", headers: readerAuth });
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json()).toMatchObject({
      current: "0004_set_default_avatar_url",
      pending: [BROKEN_MIGRATION.tag],
      lastFailure: { revision: BROKEN_MIGRATION.tag, status: "failed" },
    });

    // Background retries only re-check: the broken file is not run again and again. Wait until
    // two retries have actually run (the test API retries every 50-200 ms), then count.
    const degraded = api;
    const attemptsBefore = degraded.boot.snapshot().attempts;
    await eventually(
      () => degraded.boot.snapshot().attempts >= attemptsBefore + 2,
      "two background retries of the degraded boot",
    );
    const failed = await query<{ n: number }>(
      db.url,
      "select count(*)::int as n from tidemark.history where status = 'failed'",
    );
    expect(failed[0]?.n).toBe(1);
    expect(api.logged("❌ Database initialization error")).toHaveLength(1);

    await rewriteMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.fixed);
    const fixer = await buildTestApi({
      DATABASE_URL: db.url,
      MIGRATE_ON_BOOT: "inline",
      TIDEMARK_MIGRATIONS_DIR: dir,
    });
    await fixer.boot.start();
    await fixer.close();
    const current = api;
    await eventually(() => current.boot.ready, "the degraded API to notice the fix");
    expect((await api.app.inject({ url: "/users" })).statusCode).toBe(200);
  });

  it("reports pending migrations as degraded when boot migration is off, and recovers once applied", async () => {
    const db = await freshDb();
    api = await buildTestApi({ DATABASE_URL: db.url, MIGRATE_ON_BOOT: "off" });
    const snapshot = await api.boot.start();
    expect(snapshot.phase).toBe("degraded");
    expect(snapshot.failure).toMatchObject({ code: "TM_PENDING_MIGRATIONS" });
    expect(snapshot.pending).toBe(5);
    const tables = await query(db.url, "select 1 from information_schema.tables where table_name = 'users'");
    expect(tables).toHaveLength(0);

    const other = await buildTestApi({ DATABASE_URL: db.url, MIGRATE_ON_BOOT: "inline" });
    await other.boot.start();
    await other.close();
    const current = api;
    await eventually(() => current.boot.ready, "the API to see the applied migrations");
  });

  it("reports that no worker took the upgrade job instead of waiting forever", async () => {
    const db = await freshDb();
    api = await buildTestApi({
      DATABASE_URL: db.url,
      MIGRATE_ON_BOOT: "queue",
      // Far beyond the test's own timeout: only the no-worker rule can end this wait in time.
      MIGRATE_TIMEOUT_MS: "600000",
      TIDEMARK_NO_WORKER_MS: "500",
      TIDEMARK_QUEUE_PREFIX: prefix(),
    });
    const snapshot = await api.boot.start();
    expect(snapshot.phase).toBe("degraded");
    expect(snapshot.failure?.code).toBe("TM_NO_WORKER");
    expect(snapshot.failure?.message).toContain("The job stays queued and runs when a worker starts.");
    expect(snapshot.failure?.nextCommand).toContain("apps/migrator");
    const metrics = await api.app.inject({ url: "/metrics" });
    expect(metrics.body).toMatch(/^tidemark_job_outcomes_total\{job="upgrade",outcome="no_worker"\} [1-9]/m);
    expect(metrics.body).toMatch(/^tidemark_ready 0$/m);
  });

  it("never logs the password of DATABASE_URL", async () => {
    const db = await freshDb();
    const url = new URL(db.url);
    url.password = "s3cret-pw-do-not-log";
    url.hostname = "127.0.0.1";
    url.port = "1"; // refused: the error message quotes the address
    api = await buildTestApi({ DATABASE_URL: url.toString(), MIGRATE_ON_BOOT: "inline" });
    const snapshot = await api.boot.start();
    expect(snapshot.phase).toBe("degraded");
    expect(snapshot.failure?.code).toBe("TM_DB_UNREACHABLE");
    const status = await api.app.inject({ url: "/migrations/status", headers: readerAuth });
    expect(status.statusCode).toBe(503);
    expect(status.json().error.code).toBe("TM_DB_UNREACHABLE");
    expect(api.rawLogs()).not.toContain("s3cret-pw-do-not-log");
    expect(status.body).not.toContain("s3cret-pw-do-not-log");
  });
});
