import { execFile } from "node:child_process";
import { cp, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { migrationsDir as seedDir } from "@tidemark/db";
import { adminUrl, createTempDatabase, dropDatabase, memoryLogger, tempDir } from "@tidemark/testkit";
import { afterEach } from "vitest";
import { createMigration } from "../../src/authoring/index.js";
import type { CreateOptions } from "../../src/authoring/types.js";
import { rollback } from "../../src/commands/rollback.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { schemaDump, testContext } from "../support.js";

const exec = promisify(execFile);
const require = createRequire(import.meta.url);
const dbNodeModules = path.join(path.dirname(seedDir), "node_modules");

/** The seed schema (packages/db/src/schema.ts) with a few knobs tests turn. */
export function seedSchema(
  o: {
    usersExtra?: string;
    email?: string;
    emailColumn?: string;
    categoriesName?: string;
    extra?: string;
  } = {},
): string {
  return `import { boolean, integer, pgTable, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  username: varchar("username", { length: 100 }).notNull().unique(),
  email: varchar("${o.emailColumn ?? "email"}", { length: ${o.email ?? "120"} }).notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow(),
  avatarUrl: varchar("avatar_url", { length: 255 }),${o.usersExtra ?? ""}
});

export const categories = pgTable("${o.categoriesName ?? "categories"}", {
  id: serial("id").primaryKey(),
  name: varchar("name", { length: 50 }).notNull(),
});
${o.extra ?? ""}`;
}

/** A throw-away project: schema.ts next to a copy of the seed migrations (or an empty folder). */
export async function tempProject(options: { empty?: boolean } = {}) {
  const { dir, cleanup } = await tempDir("tm-authoring-");
  // The schema imports drizzle-orm the way packages/db's does.
  await symlink(dbNodeModules, path.join(dir, "node_modules"), "dir");
  const migrationsDir = path.join(dir, "migrations");
  if (options.empty) await mkdir(migrationsDir);
  else await cp(seedDir, migrationsDir, { recursive: true });
  const schemaFile = path.join(dir, "schema.ts");
  await writeFile(schemaFile, seedSchema());
  const logger = memoryLogger();
  const base: Omit<CreateOptions, "message"> = {
    migrationsDir,
    schemaFile,
    databaseUrl: adminUrl,
    logger,
  };
  return {
    dir,
    migrationsDir,
    schemaFile,
    logger,
    cleanup,
    writeSchema: (source: string) => writeFile(schemaFile, source),
    create: (message: string, extra: Partial<CreateOptions> = {}) =>
      createMigration({ ...base, message, ...extra }),
  };
}

/** Every file of a folder with its content, to prove that nothing was written. */
export async function folderContents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = await readFile(file, "utf8");
  }
  return out;
}

/** Run the drizzle-kit CLI in `cwd`; resolves to its output, rejects on a non-zero exit. */
export async function drizzleKit(cwd: string, args: string[]): Promise<string> {
  const bin = path.join(path.dirname(require.resolve("drizzle-kit")), "bin.cjs");
  const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { cwd });
  return stdout + stderr;
}

/** Run drizzle-kit's own `check` on a migrations folder. */
export async function drizzleKitCheck(migrationsDir: string): Promise<string> {
  // drizzle-kit prefixes `--out` with "./", so it must be relative to the working directory.
  return drizzleKit(path.dirname(migrationsDir), [
    "check",
    "--dialect",
    "postgresql",
    "--out",
    path.basename(migrationsDir),
  ]);
}

/**
 * On a fresh database: apply the history up to `previous` with the engine, dump the schema, apply
 * the rest, dump, roll back to `previous`, dump. The dumps are `pg_dump --schema-only`.
 */
export async function upAndDown(
  migrationsDir: string,
  previous: string,
  hooks: {
    environment?: string;
    beforeUp?: (url: string) => Promise<void>;
    afterUp?: (url: string) => Promise<void>;
    afterDown?: (url: string) => Promise<void>;
  } = {},
) {
  const db = await createTempDatabase("tm_auth");
  try {
    const { ctx } = testContext(db.url, { migrationsDir, environment: hooks.environment ?? "test" });
    await upgrade(ctx, { to: previous });
    const before = await schemaDump(db.url);
    await hooks.beforeUp?.(db.url);
    const up = await upgrade(ctx);
    const after = await schemaDump(db.url);
    await hooks.afterUp?.(db.url);
    const down = await rollback(ctx, { to: previous, noBackup: true });
    const restored = await schemaDump(db.url);
    await hooks.afterDown?.(db.url);
    return { before, after, restored, up, down };
  } finally {
    await dropDatabase(db.name);
  }
}

/**
 * Per-file test helpers: `project()` makes a temp project and `defer()` registers any other
 * cleanup; all of them run, newest first, after each test.
 */
export function projectsPerTest() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const defer = (cleanup: () => Promise<void>): void => {
    cleanups.push(cleanup);
  };
  const project = async (options?: { empty?: boolean }) => {
    const p = await tempProject(options);
    defer(p.cleanup);
    return p;
  };
  return { defer, project };
}

/** Run one query on a database through a short-lived connection. */
export { runSql as query } from "@tidemark/testkit";
