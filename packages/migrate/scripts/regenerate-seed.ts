/**
 * Regenerate packages/db/migrations with Tidemark's own `create`, so the seed history is exactly
 * what the tool writes. Run: pnpm --filter @tidemark/migrate exec jiti scripts/regenerate-seed.ts [outDir]
 * (needs PostgreSQL for the scratch databases; DATABASE_URL picks the server). `outDir` writes
 * somewhere else than packages/db/migrations, to compare before replacing.
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createMigration } from "../src/authoring/index.js";
import { loadEngineConfig } from "../src/config.js";
import type { Logger } from "../src/types.js";

const dbPackage = fileURLToPath(new URL("../../db/", import.meta.url));
const seedDir = process.argv[2] ?? path.join(dbPackage, "migrations");
const seedSchema = path.join(dbPackage, "src", "schema.ts");

const imports = 'import { pgTable, serial, timestamp, varchar } from "drizzle-orm/pg-core";\n';
const users = (usernameLength: number, avatar: boolean) => `
export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  username: varchar("username", { length: ${usernameLength} }).notNull().unique(),
  email: varchar("email", { length: 120 }).notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow(),${avatar ? '\n  avatarUrl: varchar("avatar_url", { length: 255 }),' : ""}
});
`;
const categories = `
export const categories = pgTable("categories", {
  id: serial("id").primaryKey(),
  name: varchar("name", { length: 50 }).notNull(),
});
`;

/** The seed's history (README.md, "Writing migrations"): each step's schema, or a custom migration's SQL. */
const steps: ({ message: string; schema: string } | { message: string; up: string; down: string })[] = [
  { message: "Create users table", schema: imports + users(50, false) },
  { message: "Add categories table", schema: imports + users(50, false) + categories },
  { message: "Increase username length", schema: imports + users(100, false) + categories },
  { message: "Add user avatar URL", schema: "final" },
  {
    message: "Set default avatar URL",
    up: `-- Data migration: users created before avatars existed get the default picture.\nUPDATE "users" SET "avatar_url" = '/default-avatar.png' WHERE "avatar_url" IS NULL;\n`,
    down: `-- Undo the backfill: only rows still pointing at the default go back to NULL.\nUPDATE "users" SET "avatar_url" = NULL WHERE "avatar_url" = '/default-avatar.png';\n`,
  },
];

const logger: Logger = {
  info: (obj, msg) => console.log(msg ?? "", JSON.stringify(obj)),
  warn: (obj, msg) => console.warn("WARN", msg ?? "", JSON.stringify(obj)),
  error: (obj, msg) => console.error("ERROR", msg ?? "", JSON.stringify(obj)),
  debug: () => {},
};

async function main(): Promise<void> {
  const { databaseUrl } = loadEngineConfig();
  const work = await mkdtemp(path.join(tmpdir(), "tm-seed-"));
  try {
    // Intermediate schemas import drizzle-orm like the real one, from @tidemark/db's dependencies.
    await symlink(path.join(dbPackage, "node_modules"), path.join(work, "node_modules"), "dir");
    const out = path.join(work, "migrations");
    await mkdir(out);
    const schemaFile = path.join(work, "schema.ts");
    for (const step of steps) {
      if ("schema" in step) {
        await writeFile(
          schemaFile,
          step.schema === "final" ? await readFile(seedSchema, "utf8") : step.schema,
        );
        const r = await createMigration({
          migrationsDir: out,
          schemaFile,
          message: step.message,
          databaseUrl,
          logger,
        });
        if (r.status !== "created") throw new Error(`step "${step.message}" produced no changes`);
      } else {
        const r = await createMigration({
          migrationsDir: out,
          schemaFile,
          message: step.message,
          custom: true,
          databaseUrl,
          logger,
        });
        const [up, down] = r.files;
        if (!up || !down) throw new Error("custom migration files missing");
        await writeFile(up, step.up);
        await writeFile(down, step.down);
      }
    }
    // The last snapshot must be the real schema, or the next create would carry a stale diff.
    const check = await createMigration({
      migrationsDir: out,
      schemaFile: seedSchema,
      message: "check",
      databaseUrl,
      logger,
    });
    if (check.status !== "no-changes")
      throw new Error("regenerated history does not end at packages/db/src/schema.ts");
    await rm(seedDir, { recursive: true, force: true });
    await cp(out, seedDir, { recursive: true });
    console.log(`regenerated ${seedDir}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
