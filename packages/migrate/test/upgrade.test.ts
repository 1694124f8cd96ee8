import {
  copyMigrations,
  createTempDatabase,
  databaseUrl,
  dropDatabase,
  runSql,
  tempDir,
  uniqueId,
} from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { history } from "../src/commands/history.js";
import { rollback } from "../src/commands/rollback.js";
import { checkUpToDate, status } from "../src/commands/status.js";
import { upgrade } from "../src/commands/upgrade.js";
import { addMigration, testContext } from "./support.js";

/** An empty database, for the test that applies the seed history. */
let db: { name: string; url: string };
let sql: postgres.Sql;
/** A database the fixture brought up to date, for tests that read or re-run on a migrated one. */
let migrated: { name: string; url: string };

beforeAll(async () => {
  db = await createTempDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
  migrated = await createTempDatabase();
  await upgrade(testContext(migrated.url).ctx);
});
afterAll(async () => {
  await sql.end();
  await dropDatabase(db.name);
  await dropDatabase(migrated.name);
});

describe("upgrade", () => {
  it("applies the seed history and records each migration once in drizzle's table and the history", async () => {
    const { ctx } = testContext(db.url);
    const report = await upgrade(ctx);
    expect(report.steps.map((s) => s.revision)).toEqual([
      "0000_create_users_table",
      "0001_add_categories_table",
      "0002_increase_username_length",
      "0003_add_user_avatar_url",
      "0004_set_default_avatar_url",
    ]);
    expect(report.from).toBeNull();
    expect(report.to).toBe("0004_set_default_avatar_url");
    const rows = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(rows[0]?.n).toBe(5);
    const hist = await history(ctx);
    expect(hist.filter((h) => h.direction === "up" && h.status === "ok")).toHaveLength(5);
    expect(hist[0]?.appliedBy).toMatchObject({ via: "test" });
    const check = await checkUpToDate(ctx);
    expect(check).toMatchObject({ upToDate: true, pending: 0, current: "0004_set_default_avatar_url" });
  });

  it("finds nothing to do on a second run", async () => {
    const { ctx } = testContext(migrated.url);
    const report = await upgrade(ctx);
    expect(report.steps).toEqual([]);
    expect(report.to).toBe("0004_set_default_avatar_url");
  });

  it("reports tables and columns from the catalog in status", async () => {
    const { ctx } = testContext(migrated.url);
    const s = await status(ctx);
    expect(s.upToDate).toBe(true);
    const users = s.tables.find((t) => t.name === "users");
    expect(users?.columns.find((c) => c.name === "username")?.type).toBe("character varying(100)");
    expect(s.tables.map((t) => t.name)).not.toContain("__drizzle_migrations");
    expect(s.lockHolder).toBeNull();
  });

  it("creates the database named by DATABASE_URL when it does not exist", async () => {
    const name = uniqueId("tm_new");
    const { ctx } = testContext(databaseUrl(name));
    try {
      const before = await status(ctx);
      expect(before.databaseExists).toBe(false);
      expect(before.pending).toHaveLength(5);
      await upgrade(ctx, { to: "0001" });
      const after = await status(ctx);
      expect(after.current).toBe("0001_add_categories_table");
      expect(after.pending).toHaveLength(3);
    } finally {
      await dropDatabase(name);
    }
  });

  it("plans without touching the database on a dry run", async () => {
    const other = await createTempDatabase();
    try {
      const { ctx } = testContext(other.url);
      const report = await upgrade(ctx, { dryRun: true, to: "0002" });
      expect(report.dryRun).toBe(true);
      expect(report.steps.map((s) => s.revision)).toEqual([
        "0000_create_users_table",
        "0001_add_categories_table",
        "0002_increase_username_length",
      ]);
      expect((await status(ctx)).tables).toEqual([]);
    } finally {
      await dropDatabase(other.name);
    }
  });

  it("runs environment-specific blocks only in their environment and passes env to TS migrations", async () => {
    const dir = await copyMigrations(ctxDir());
    await addMigration(
      dir,
      "0005_env_blocks",
      [
        `CREATE TABLE "env_marks" ("env" text NOT NULL);`,
        `-- tidemark:env production\nINSERT INTO "env_marks" VALUES ('production-only');`,
        `-- tidemark:env test, staging\nINSERT INTO "env_marks" VALUES ('test-or-staging');`,
      ].join("\n--> statement-breakpoint\n"),
      `DROP TABLE "env_marks";`,
    );
    await addMigration(
      dir,
      "0006_code_migration",
      `export async function up(ctx) { await ctx.sql\`insert into env_marks values (\${"ts:" + ctx.env})\`; }
export async function down(ctx) { await ctx.sql\`delete from env_marks where env like 'ts:%'\`; }`,
      undefined,
      { ext: "ts" },
    );
    const other = await createTempDatabase();
    try {
      const { ctx } = testContext(other.url, { migrationsDir: dir });
      await upgrade(ctx);
      const marks = await postgresRows(other.url, "select env from env_marks order by env");
      expect(marks).toEqual(["test-or-staging", "ts:test"]);
      await rollback(ctx, { to: "0005", noBackup: true });
      expect(await postgresRows(other.url, "select env from env_marks order by env")).toEqual([
        "test-or-staging",
      ]);
    } finally {
      await dropDatabase(other.name);
    }
  });

  it("creates tables straight from the schema when there are no migrations", async () => {
    const empty = await tempDir();
    const other = await createTempDatabase();
    try {
      const { ctx, logger } = testContext(other.url, { migrationsDir: empty.dir });
      await upgrade(ctx);
      expect(logger.lines.some((l) => l.msg === "🔧 Creating database tables...")).toBe(true);
      const s = await status(ctx);
      expect(s.tables.map((t) => t.name).sort()).toEqual(["categories", "users"]);
    } finally {
      await dropDatabase(other.name);
      await empty.cleanup();
    }
  });

  it("names TIDEMARK_SCHEMA_FILE when there are no migrations and no schema is configured", async () => {
    const empty = await tempDir();
    const other = await createTempDatabase();
    try {
      const { ctx } = testContext(other.url, { migrationsDir: empty.dir, schemaFile: undefined });
      const err = await upgrade(ctx).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "TM_CONFIG_INVALID" });
      expect((err as Error).message).toContain("TIDEMARK_SCHEMA_FILE");
      expect(
        await postgresRows(
          other.url,
          "select count(*) from information_schema.tables where table_schema = 'public'",
        ),
      ).toEqual(["0"]);
    } finally {
      await dropDatabase(other.name);
      await empty.cleanup();
    }
  });
});

function ctxDir(): string {
  return testContext("postgres://x").ctx.migrationsDir;
}

async function postgresRows(url: string, query: string): Promise<string[]> {
  return (await runSql(url, query)).map((r) => String(Object.values(r)[0]));
}

describe("read-only commands on a caller's pool", () => {
  it("treat a database that does not exist yet as having nothing applied", async () => {
    const name = uniqueId("tm_absent");
    const pool = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
    try {
      const { ctx } = testContext(databaseUrl(name), { sql: pool });
      expect(await checkUpToDate(ctx)).toMatchObject({ upToDate: false, pending: 5, current: null });
      expect((await status(ctx)).databaseExists).toBe(false);
    } finally {
      await pool.end();
    }
  });

  it("read history through a pool that drizzle configured to return timestamps as strings", async () => {
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const pool = postgres(migrated.url, { max: 1, onnotice: () => {} });
    drizzle(pool);
    try {
      const rows = await history(testContext(migrated.url, { sql: pool }).ctx, { limit: 1 });
      expect(rows).toHaveLength(1);
      expect(rows[0]?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    } finally {
      await pool.end();
    }
  });
});
