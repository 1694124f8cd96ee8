import { migrationsDir as demoDir } from "@tidemark/db";
import {
  adminQuery,
  createTempDatabase,
  databaseUrl,
  dropDatabase,
  fixtureDir,
  uniqueId,
} from "@tidemark/testkit";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { readMigrations } from "../src/journal.js";
import { checkUpToDate, status } from "../src/status.js";
import { upgrade } from "../src/upgrade.js";
import { verify } from "../src/verify.js";
import { schemaDump, testContext } from "./support.js";

/**
 * Real-world-shaped drizzle-kit histories. Adding one is one line: a folder with
 * meta/_journal.json and its .sql files, applied by both tools into fresh databases.
 */
const histories = [
  {
    name: "escaped-history (COMMIT-escaped files, CALL, CONCURRENTLY, search_path)",
    dir: fixtureDir("escaped-history"),
  },
  { name: "the demo project's history", dir: demoDir },
];

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

/** A database name that does not exist yet, dropped after the file. */
function absentDatabase(): { name: string; url: string } {
  const name = uniqueId("tmx");
  dbs.push(name);
  return { name, url: databaseUrl(name) };
}

async function freshDatabase() {
  const db = await createTempDatabase("tmx");
  dbs.push(db.name);
  return db;
}

async function drizzleMigrate(url: string, folder: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: folder });
  } finally {
    await sql.end();
  }
}

async function drizzleRows(url: string): Promise<{ hash: string; created_at: string }[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return [...(await sql`select hash, created_at::text from drizzle.__drizzle_migrations order by id`)] as {
      hash: string;
      created_at: string;
    }[];
  } finally {
    await sql.end();
  }
}

describe.each(histories)("$name", ({ dir }) => {
  it("ends with the schema and drizzle rows drizzle-orm's migrate() produces, each into a database that did not exist", async () => {
    const mine = absentDatabase();
    const theirs = await freshDatabase();
    const { ctx } = testContext(mine.url, { migrationsDir: dir });
    const report = await upgrade(ctx);
    await drizzleMigrate(theirs.url, dir);
    expect(report.steps).toHaveLength((await readMigrations(dir)).length);
    expect(await schemaDump(mine.url)).toBe(await schemaDump(theirs.url));
    expect(await drizzleRows(mine.url)).toEqual(await drizzleRows(theirs.url));
  });

  it("sees a database migrated by drizzle-orm as up to date and verified, and upgrades nothing there", async () => {
    const db = await freshDatabase();
    await drizzleMigrate(db.url, dir);
    const { ctx } = testContext(db.url, { migrationsDir: dir });
    const before = await schemaDump(db.url);
    expect(await checkUpToDate(ctx)).toMatchObject({ upToDate: true, pending: 0 });
    expect((await status(ctx)).drift).toEqual([]);
    expect((await verify(ctx)).ok).toBe(true);
    expect((await upgrade(ctx)).steps).toEqual([]);
    expect(await schemaDump(db.url)).toBe(before);
  });
});

describe("a database named in DATABASE_URL that does not exist yet", () => {
  it("is reported absent by status, which does not create it", async () => {
    const db = absentDatabase();
    const { ctx } = testContext(db.url, { migrationsDir: fixtureDir("escaped-history") });
    expect(await status(ctx)).toMatchObject({ databaseExists: false, current: null });
    const found = await adminQuery(`select 1 from pg_database where datname = '${db.name}'`);
    expect(found).toHaveLength(0);
  });

  it("is created by upgrade's dry run, which plans every migration and applies none", async () => {
    const db = absentDatabase();
    const { ctx } = testContext(db.url, { migrationsDir: fixtureDir("escaped-history") });
    const plan = await upgrade(ctx, { dryRun: true });
    expect(plan.steps).toHaveLength(19);
    expect(await adminQuery(`select 1 from pg_database where datname = '${db.name}'`)).toHaveLength(1);
    expect((await status(ctx)).pending).toHaveLength(19);
  });
});
