import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { migrationsDir as seedDir } from "@tidemark/db";
import { copyMigrations, createTempDatabase, databaseUrl, dropDatabase, uniqueId } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { initProject } from "../../src/authoring/index.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { isTidemarkError } from "../../src/errors.js";
import { testContext } from "../support.js";
import { projectsPerTest, query, seedSchema } from "./project.js";

const { defer, project } = projectsPerTest();

/** An empty-folder project and a database that already holds the seed tables, without any migration record. */
async function existingDatabase() {
  const p = await project({ empty: true });
  const db = await createTempDatabase("tm_init");
  defer(() => dropDatabase(db.name));
  const history = await copyMigrations(seedDir);
  await upgrade(testContext(db.url, { migrationsDir: history }).ctx);
  await query(db.url, "drop schema drizzle cascade; drop schema tidemark cascade");
  await query(db.url, "insert into users (username, email) values ('kept', 'k@x')");
  return { p, db };
}

describe("init", () => {
  it("creates the baseline migration of a new project and applies it, creating the database", async () => {
    const p = await project({ empty: true });
    const name = uniqueId("tm_init_new");
    defer(() => dropDatabase(name));
    const result = await initProject({
      migrationsDir: p.migrationsDir,
      schemaFile: p.schemaFile,
      databaseUrl: databaseUrl(name),
      logger: p.logger,
    });
    expect(result).toMatchObject({
      status: "initialized",
      revision: "0000_initial_schema",
      existingTables: [],
    });
    expect(result.created?.validated).toBe(true);
    expect(result.applied?.steps.map((s) => s.revision)).toEqual(["0000_initial_schema"]);
    expect((await readdir(p.migrationsDir)).sort()).toEqual([
      "0000_initial_schema.down.sql",
      "0000_initial_schema.sql",
      "meta",
    ]);
    const rows = await query(
      databaseUrl(name),
      "select count(*)::int as n from drizzle.__drizzle_migrations",
    );
    expect(rows[0]?.n).toBe(1);
    const tables = await query(databaseUrl(name), "select to_regclass('public.users')::text as t");
    expect(tables[0]?.t).toBe("users");
  });

  it("does not re-create the tables of an existing database: it reports needs-stamp and writes nothing", async () => {
    const { p, db } = await existingDatabase();
    const result = await initProject({
      migrationsDir: p.migrationsDir,
      schemaFile: p.schemaFile,
      databaseUrl: db.url,
      logger: p.logger,
    });
    expect(result.status).toBe("needs-stamp");
    expect(result.existingTables.sort()).toEqual(["public.categories", "public.users"]);
    expect(await readdir(p.migrationsDir)).toEqual([]);
  });

  it("stamps an existing database as the baseline when asked, keeping its rows", async () => {
    const { p, db } = await existingDatabase();
    const result = await initProject({
      migrationsDir: p.migrationsDir,
      schemaFile: p.schemaFile,
      databaseUrl: db.url,
      logger: p.logger,
      stampExisting: true,
    });
    expect(result).toMatchObject({ status: "stamped", revision: "0000_initial_schema" });
    const applied = await query(db.url, "select count(*)::int as n from drizzle.__drizzle_migrations");
    expect(applied[0]?.n).toBe(1);
    const users = await query(db.url, "select username from users");
    expect(users).toEqual([{ username: "kept" }]);
    const check = await upgrade(testContext(db.url, { migrationsDir: p.migrationsDir }).ctx);
    expect(check.steps).toEqual([]);
  });

  it("refuses to stamp a database whose tables differ from the schema", async () => {
    const { p, db } = await existingDatabase();
    await p.writeSchema(seedSchema({ email: "200" }));
    const err = await initProject({
      migrationsDir: p.migrationsDir,
      schemaFile: p.schemaFile,
      databaseUrl: db.url,
      logger: p.logger,
      stampExisting: true,
    }).catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_SCHEMA_MISMATCH");
    expect((err as Error).message).toContain("column:public.users.email");
    expect(existsSync(`${p.migrationsDir}/meta`)).toBe(false);
  });

  it("leaves a project that already has migrations alone", async () => {
    const p = await project();
    const result = await initProject({
      migrationsDir: p.migrationsDir,
      schemaFile: p.schemaFile,
      databaseUrl: databaseUrl(uniqueId("tm_init_none")),
      logger: p.logger,
    });
    expect(result).toEqual({
      status: "already-initialized",
      revision: "0004_set_default_avatar_url",
      existingTables: [],
    });
  });
});
