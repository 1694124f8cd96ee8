import { existsSync } from "node:fs";
import { cp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedMigrations, schemaFile as seedSchemaFile } from "@tidemark/db";
import { adminUrl, tempDir } from "@tidemark/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keys, runCliOnPty } from "./pty.js";
import { runCli } from "./run-cli.js";

// The temp schema imports drizzle-orm the way packages/db's own schema does.
const dbNodeModules = path.join(path.dirname(seedMigrations), "node_modules");

let project: { dir: string; cleanup: () => Promise<void> };
let migrationsDir: string;
let schemaFile: string;
let seedSchema: string;

/** create only needs a server for its scratch databases: the admin URL's. */
function env(): Record<string, string> {
  return { DATABASE_URL: adminUrl, TIDEMARK_MIGRATIONS_DIR: migrationsDir, TIDEMARK_SCHEMA_FILE: schemaFile };
}

async function written(): Promise<string[]> {
  return (await readdir(migrationsDir)).filter((f) => f.startsWith("0005_")).sort();
}

beforeEach(async () => {
  project = await tempDir("tm-cli-prompts-");
  await symlink(dbNodeModules, path.join(project.dir, "node_modules"), "dir");
  migrationsDir = path.join(project.dir, "migrations");
  await cp(seedMigrations, migrationsDir, { recursive: true });
  schemaFile = path.join(project.dir, "schema.ts");
  seedSchema = await readFile(seedSchemaFile, "utf8");
  await writeFile(schemaFile, seedSchema);
});

afterEach(async () => {
  await project.cleanup();
});

const withoutAvatar = () => seedSchema.replace(/\n\s*avatarUrl: [^\n]*/, "");

describe("create and drops, off a terminal", () => {
  it("refuses to write a column drop without --allow-drop (exit 3, nothing written) and writes it with the flag", async () => {
    expect(withoutAvatar()).not.toBe(seedSchema);
    await writeFile(schemaFile, withoutAvatar());
    const refused = await runCli(["create", "Drop avatar url"], env());
    expect(refused.code, refused.stdout).toBe(3);
    expect(refused.stderr).toContain("would DROP COLUMN users.avatar_url");
    expect(refused.stderr).toContain("--allow-drop");
    expect(refused.stderr).toContain("[TM_REFUSED]");
    expect(await written()).toEqual([]);

    const allowed = await runCli(["create", "Drop avatar url", "--allow-drop"], env());
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await written()).toEqual(["0005_drop_avatar_url.down.sql", "0005_drop_avatar_url.sql"]);
    expect(await readFile(path.join(migrationsDir, "0005_drop_avatar_url.sql"), "utf8")).toBe(
      'ALTER TABLE "users" DROP COLUMN "avatar_url";',
    );
  });
});

describe("create --ts", () => {
  it("writes the TypeScript migration with its guard .sql and says what the guard is for", async () => {
    const r = await runCli(["create", "--ts", "Backfill in code"], env());
    expect(r.code, r.stderr).toBe(0);
    expect(await written()).toEqual(["0005_backfill_in_code.sql", "0005_backfill_in_code.ts"]);
    expect(r.stdout).toContain(
      "0005_backfill_in_code.sql only stops drizzle-kit migrate and drizzle-orm's migrate() with a message",
    );
  });
});

describe("create's prompts on a terminal", () => {
  it("says that creating the new column drops the old one with its data, and Enter keeps the data", {
    timeout: 120_000,
  }, async () => {
    await writeFile(schemaFile, seedSchema.replace('varchar("email"', 'varchar("email_address"'));
    const r = await runCliOnPty(["create", "Rename email"], env(), [
      {
        waitFor: /create users\.email_address as a new empty column and DROP users\.email with its data/,
        send: keys.enter,
      },
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("rename users.email → users.email_address");
    const up = await readFile(path.join(migrationsDir, "0005_rename_email.sql"), "utf8");
    expect(up).toContain('ALTER TABLE "users" RENAME COLUMN "email" TO "email_address";');
    expect(up).not.toContain("DROP COLUMN");
  });

  it("names the drop, says the running code may read it, and writes nothing when Enter answers No", {
    timeout: 120_000,
  }, async () => {
    await writeFile(schemaFile, withoutAvatar());
    const r = await runCliOnPty(["create", "Drop avatar url"], env(), [
      { waitFor: /Write DROP COLUMN users\.avatar_url\?/, send: keys.enter },
    ]);
    expect(r.code, r.output).toBe(3);
    expect(r.output).toContain(
      "This migration drops column users.avatar_url and its data; code that is running now may still read it.",
    );
    expect(r.output).toContain("Not confirmed. Nothing was written");
    expect(await written()).toEqual([]);
    expect(existsSync(path.join(migrationsDir, "meta", "0005_snapshot.json"))).toBe(false);
  });
});
