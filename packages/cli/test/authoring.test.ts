import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedMigrations, schemaFile as seedSchemaFile } from "@tidemark/db";
import type { StatusReport } from "@tidemark/migrate";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

/** This file's queue keys (a refused enqueue still creates some), dropped afterwards. */
const queuePrefix = uniqueQueuePrefix();

// The temp schema imports drizzle-orm the way packages/db's own schema does.
const dbNodeModules = path.join(path.dirname(seedMigrations), "node_modules");

let project: { dir: string; cleanup: () => Promise<void> };
let fresh: { name: string; url: string };
let existing: { name: string; url: string };
let schemaFile: string;
let migrationsDir: string;
let seedSchema: string;

/** Environment of a CLI run against the temp project and database `db`. */
function envFor(db: { url: string }, dir = migrationsDir): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    TIDEMARK_MIGRATIONS_DIR: dir,
    TIDEMARK_SCHEMA_FILE: schemaFile,
    TIDEMARK_QUEUE_PREFIX: queuePrefix,
    BACKUP_DIR: path.join(project.dir, "backups"),
  };
}

beforeAll(async () => {
  project = await tempDir("tm-cli-project-");
  await symlink(dbNodeModules, path.join(project.dir, "node_modules"), "dir");
  migrationsDir = path.join(project.dir, "migrations");
  await mkdir(migrationsDir);
  schemaFile = path.join(project.dir, "schema.ts");
  seedSchema = await readFile(seedSchemaFile, "utf8");
  await writeFile(schemaFile, seedSchema);
  fresh = await createTempDatabase("tm_cli_author");
  existing = await createTempDatabase("tm_cli_existing");
});

afterAll(async () => {
  await dropQueuePrefix(queuePrefix);
  await dropDatabase(fresh.name);
  await dropDatabase(existing.name);
  await project.cleanup();
});

describe.sequential("init and create on a throw-away project", () => {
  it("init writes the baseline from the schema and applies it on a new project", async () => {
    const env = envFor(fresh);
    const r = await runCli(["init", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Created the baseline 0000_initial_schema and applied it.");
    const status = JSON.parse((await runCli(["status", "--json"], env)).stdout) as StatusReport;
    expect(status.upToDate).toBe(true);
    expect(status.tables.map((t) => t.name).sort()).toEqual(["categories", "users"]);
  });

  it("init refuses to stamp a database that already has the tables without --yes off a terminal", async () => {
    const seeded = await runCli(["upgrade", "--direct"], { DATABASE_URL: existing.url });
    expect(seeded.code, seeded.stderr).toBe(0);
    const empty = path.join(project.dir, "other-migrations");
    await mkdir(empty);
    const r = await runCli(["init"], envFor(existing, empty));
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("already has the schema's tables");
    expect(await readdir(empty)).toEqual([]);
    const stamped = await runCli(["init", "--yes"], envFor(existing, empty));
    expect(stamped.code, stamped.stderr).toBe(0);
    expect(stamped.stdout).toContain("stamped the existing database");
  });

  it("create says so and writes nothing when the schema did not change", async () => {
    const before = await readdir(migrationsDir);
    const r = await runCli(["create", "Nothing to see"], envFor(fresh));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("No schema changes");
    expect(await readdir(migrationsDir)).toEqual(before);
  });

  it("create proves on TIDEMARK_SCRATCH_URL and names that URL, password masked, when it does not answer", async () => {
    await writeFile(
      schemaFile,
      seedSchema.replace(
        'avatarUrl: varchar("avatar_url", { length: 255 }),',
        'avatarUrl: varchar("avatar_url", { length: 255 }),\n  bio: varchar("bio", { length: 500 }),',
      ),
    );
    const scratch = "postgres://author:s3cret-scratch@127.0.0.1:1/postgres";
    const r = await runCli(["create", "Add user bio"], { ...envFor(fresh), TIDEMARK_SCRATCH_URL: scratch });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("postgres://author:***@127.0.0.1:1/postgres");
    expect(r.stderr).toContain("[TM_DB_UNREACHABLE]");
    expect(`${r.stdout}${r.stderr}`).not.toContain("s3cret-scratch");
    expect(existsSync(path.join(migrationsDir, "0001_add_user_bio.sql"))).toBe(false);
  });

  it("create generates, validates and prints the up and down SQL of a new column", async () => {
    await writeFile(
      schemaFile,
      seedSchema.replace(
        'avatarUrl: varchar("avatar_url", { length: 255 }),',
        'avatarUrl: varchar("avatar_url", { length: 255 }),\n  bio: varchar("bio", { length: 500 }),',
      ),
    );
    const r = await runCli(["create", "Add user bio"], envFor(fresh));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Created 0001_add_user_bio, validated on a scratch database.");
    expect(r.stdout).toContain('ALTER TABLE "users" ADD COLUMN "bio" varchar(500);');
    expect(r.stdout).toContain('ALTER TABLE "users" DROP COLUMN "bio";');
    expect(existsSync(path.join(migrationsDir, "0001_add_user_bio.down.sql"))).toBe(true);
  });

  it("create refuses to guess a rename off a terminal and names the --rename flag to use", async () => {
    await writeFile(
      schemaFile,
      (await readFile(schemaFile, "utf8")).replace('varchar("bio"', 'varchar("biography"'),
    );
    const r = await runCli(["create", "Rename bio"], envFor(fresh));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--rename users.bio=biography");
    expect(existsSync(path.join(migrationsDir, "0002_rename_bio.sql"))).toBe(false);
  });

  it("create turns --rename into a RENAME COLUMN and lints it", async () => {
    const r = await runCli(["create", "Rename bio", "--rename", "users.bio=biography"], envFor(fresh));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ALTER TABLE "users" RENAME COLUMN "bio" TO "biography";');
    expect(r.stdout).toContain("rename-column");
    expect(r.stdout).toContain("recorded as accepted in the lint baseline");
  });

  it("lint exits 0 after the confirmed rename, and --all still shows it", async () => {
    const r = await runCli(["lint"], envFor(fresh));
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("1 finding accepted in the lint baseline not shown");
    const all = await runCli(["lint", "--all"], envFor(fresh));
    expect(all.code).toBe(1);
    expect(all.stdout).toContain("error rename-column");
  });

  it("create rejects a malformed --rename as a usage error (exit 2)", async () => {
    const r = await runCli(["create", "Whatever", "--rename", "bio"], envFor(fresh));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rename expects table.column=new_name");
  });

  it("create --custom writes a commented SQL template with its down file", async () => {
    const r = await runCli(["create", "--custom", "Backfill bios"], envFor(fresh));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Created 0003_backfill_bios.");
    expect(existsSync(path.join(migrationsDir, "0003_backfill_bios.sql"))).toBe(true);
    expect(existsSync(path.join(migrationsDir, "0003_backfill_bios.down.sql"))).toBe(true);
  });

  it("create --allow-drop records a reviewed column drop, so lint does not flag it", async () => {
    await writeFile(schemaFile, seedSchema);
    const r = await runCli(["create", "Drop biography", "--allow-drop"], envFor(fresh));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ALTER TABLE "users" DROP COLUMN "biography";');
    expect(r.stdout).toContain("You confirmed drop-column");
    const lint = await runCli(["lint", "0004"], envFor(fresh));
    expect(lint.code, lint.stdout).toBe(0);
  });
});
