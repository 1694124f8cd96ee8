import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedDir } from "@tidemark/db";
import { adminQuery, adminUrl, copyMigrations } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsHash } from "../../src/testing/folder-hash.js";
import { closeTestDatabases, createTestDatabase, type TestDatabase } from "../../src/testing/index.js";
import { TEMPLATE_PREFIX, templateName } from "../../src/testing/template.js";

const made: TestDatabase[] = [];
const folders: string[] = [];

async function fresh(migrationsDir: string): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrationsDir, serverUrl: adminUrl, prefix: "tm_copy" });
  made.push(db);
  return db;
}

async function query<T extends object>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end();
  }
}

/** Template databases and spare copies made for one test folder (named after its path). */
async function databasesOf(dir: string): Promise<string[]> {
  const prefix = templateName(dir, "x").slice(0, -1);
  const rows = await adminQuery<{ datname: string }>(
    `select datname from pg_database where starts_with(datname, '${prefix}') order by datname`,
  );
  return rows.map((r) => r.datname);
}

/** The templates alone: spares carry a `_s…` suffix after the template's name. */
async function templatesOf(dir: string): Promise<string[]> {
  return (await databasesOf(dir)).filter((name) => !/_s[0-9a-f]{8}$/.test(name));
}

async function folder(): Promise<string> {
  const dir = await copyMigrations(seedDir);
  folders.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(made.map((db) => db.drop()));
  await closeTestDatabases();
  for (const dir of folders) {
    for (const name of await databasesOf(dir)) {
      await adminQuery(`ALTER DATABASE "${name}" WITH IS_TEMPLATE false`);
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  }
});

describe("createTestDatabase", () => {
  it("gives each test its own fully migrated database", async () => {
    const dir = await folder();
    const [a, b] = [await fresh(dir), await fresh(dir)];
    expect(a.name).not.toBe(b.name);
    for (const db of [a, b]) {
      const rows = await query<{ n: number }>(
        db.url,
        "select count(*)::int as n from drizzle.__drizzle_migrations",
      );
      expect(rows[0]?.n).toBe(5);
    }
    await query(a.url, "insert into users (username, email) values ('only-in-a', 'a@example.com')");
    const inB = await query<{ n: number }>(b.url, "select count(*)::int as n from users");
    expect(inB[0]?.n).toBe(0);
    expect(a.template.startsWith(TEMPLATE_PREFIX)).toBe(true);
  });

  it("builds the template once when several callers start together", async () => {
    const dir = await folder();
    const dbs = await Promise.all([1, 2, 3, 4].map(() => fresh(dir)));
    expect(new Set(dbs.map((d) => d.template)).size).toBe(1);
    expect(await templatesOf(dir)).toEqual([dbs[0]?.template]);
    // Callers starting together still keep the spares within their bound.
    await closeTestDatabases();
    const spares = (await databasesOf(dir)).filter((name) => /_s[0-9a-f]{8}$/.test(name));
    expect(spares.length).toBeLessThanOrEqual(2);
  });

  it("builds a new template when a migration changes and drops the old one", async () => {
    const dir = await folder();
    const before = await fresh(dir);
    const file = path.join(dir, "0004_set_default_avatar_url.sql");
    await appendFile(file, "\n--> statement-breakpoint\ncreate table added_later (id int);\n");
    const after = await fresh(dir);
    expect(after.template).not.toBe(before.template);
    expect(after.template).toBe(templateName(dir, await migrationsHash(dir)));
    expect(await templatesOf(dir)).toEqual([after.template]);
    const tables = await query<{ n: number }>(
      after.url,
      "select count(*)::int as n from pg_tables where tablename = 'added_later'",
    );
    expect(tables[0]?.n).toBe(1);
  });

  it("fails with the migration's error and leaves no half-built template behind", async () => {
    const dir = await folder();
    await writeFile(path.join(dir, "0004_set_default_avatar_url.sql"), "select * from no_such_table;\n");
    await expect(fresh(dir)).rejects.toThrow(/no_such_table/);
    expect(await templatesOf(dir)).toEqual([]);
  });

  it("keeps a bounded number of spare copies and hands each one out once", async () => {
    const dir = await folder();
    const dbs: TestDatabase[] = [];
    for (let i = 0; i < 6; i++) dbs.push(await fresh(dir));
    expect(new Set(dbs.map((d) => d.name)).size).toBe(6);
    await closeTestDatabases();
    const spares = (await databasesOf(dir)).filter((name) => /_s[0-9a-f]{8}$/.test(name));
    expect(spares.length).toBeGreaterThan(0);
    expect(spares.length).toBeLessThanOrEqual(2);
    for (const db of dbs) {
      const rows = await query<{ n: number }>(
        db.url,
        "select count(*)::int as n from drizzle.__drizzle_migrations",
      );
      expect(rows[0]?.n).toBe(5);
    }
  });

  it("drop() removes the copy", async () => {
    const dir = await folder();
    const db = await createTestDatabase({ migrationsDir: dir, serverUrl: adminUrl, prefix: "tm_copy" });
    await db.drop();
    const rows = await adminQuery<{ n: number }>(
      `select count(*)::int as n from pg_database where datname = '${db.name}'`,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
