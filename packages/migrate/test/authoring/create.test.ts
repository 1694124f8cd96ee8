import { existsSync } from "node:fs";
import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { withSql, withTempDatabase } from "@tidemark/testkit";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { describe, expect, it } from "vitest";
import {
  drizzleKit,
  drizzleKitCheck,
  folderContents,
  projectsPerTest,
  seedSchema,
  upAndDown,
} from "./project.js";

const LAST_SEED = "0004_set_default_avatar_url";
const { project } = projectsPerTest();

describe("create on schema changes", () => {
  it("adds a table: writes drizzle-kit's files, proves up and down, and drizzle's own migrator accepts them", async () => {
    const p = await project();
    await p.writeSchema(
      seedSchema({
        extra: `
export const tags = pgTable("tags", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id),
  label: text("label").notNull(),
});`,
      }),
    );
    const result = await p.create("Add tags table");
    expect(result).toMatchObject({ status: "created", revision: "0005_add_tags_table", validated: true });
    expect(result.upSql[0]).toContain('CREATE TABLE "tags"');
    expect(result.upSql.join("\n")).toContain('FOREIGN KEY ("user_id") REFERENCES "public"."users"("id")');
    expect(result.downSql).toEqual(['DROP TABLE "tags" CASCADE;']);
    expect(result.destructive).toEqual([]);

    const up = await readFile(path.join(p.migrationsDir, "0005_add_tags_table.sql"), "utf8");
    expect(up).toBe(result.upSql.join("--> statement-breakpoint\n"));
    const journal = JSON.parse(await readFile(path.join(p.migrationsDir, "meta/_journal.json"), "utf8"));
    const [previous, entry] = journal.entries.slice(-2);
    expect(entry).toMatchObject({ idx: 5, version: "7", tag: "0005_add_tags_table", breakpoints: true });
    expect(entry.when).toBeGreaterThan(previous.when);
    const snapshot = JSON.parse(
      await readFile(path.join(p.migrationsDir, "meta/0005_snapshot.json"), "utf8"),
    );
    const prevSnapshot = JSON.parse(
      await readFile(path.join(p.migrationsDir, "meta/0004_snapshot.json"), "utf8"),
    );
    expect(snapshot.prevId).toBe(prevSnapshot.id);
    expect(Object.keys(snapshot).slice(0, 4)).toEqual(["id", "prevId", "version", "dialect"]);
    expect(Object.keys(snapshot.tables)).toContain("public.tags");

    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.before).not.toContain("CREATE TABLE public.tags");
    expect(run.after).toContain("CREATE TABLE public.tags");
    expect(run.after).toContain("tags_user_id_users_id_fk");
    expect(run.restored).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");

    await withTempDatabase(async (db) => {
      await withSql(db.url, async (sql) => {
        await migrate(drizzle(sql), { migrationsFolder: p.migrationsDir });
        const rows = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
        expect(rows[0]?.n).toBe(6);
        const tags = await sql`select to_regclass('public.tags')::text as t`;
        expect(tags[0]?.t).toBe("tags");
      });
    });
  });

  it("widens a column and does not flag the widening as destructive", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ email: "255" }));
    const result = await p.create("Widen email");
    expect(result.upSql).toEqual(['ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(255);']);
    expect(result.downSql).toEqual(['ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(120);']);
    expect(result.destructive).toEqual([]);
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.before).toContain("email character varying(120)");
    expect(run.after).toContain("email character varying(255)");
    expect(run.restored).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
  });

  it("adds a nullable column and drops it again on the way down", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ usersExtra: '\n  bio: text("bio"),' }));
    const result = await p.create("Add user bio");
    expect(result.upSql).toEqual(['ALTER TABLE "users" ADD COLUMN "bio" text;']);
    expect(result.downSql).toEqual(['ALTER TABLE "users" DROP COLUMN "bio";']);
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.after).toContain("bio text");
    expect(run.restored).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
  });

  it("adds a NOT NULL column with a default, filling existing rows", async () => {
    const p = await project();
    await p.writeSchema(
      seedSchema({ usersExtra: '\n  isActive: boolean("is_active").default(true).notNull(),' }),
    );
    const result = await p.create("Add user is_active flag");
    expect(result.upSql).toEqual([
      'ALTER TABLE "users" ADD COLUMN "is_active" boolean DEFAULT true NOT NULL;',
    ]);
    let active: unknown;
    const run = await upAndDown(p.migrationsDir, LAST_SEED, {
      beforeUp: (url) =>
        withSql(url, (sql) => sql`insert into users (username, email) values ('ann', 'a@x')`.then(() => {})),
      afterUp: async (url) => {
        active = await withSql(url, async (sql) => (await sql`select is_active from users`)[0]?.is_active);
      },
    });
    expect(active).toBe(true);
    expect(run.after).toContain("is_active boolean DEFAULT true NOT NULL");
    expect(run.restored).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
  });

  it("flags narrowing a column and dropping a table as destructive, and still proves the down", async () => {
    const p = await project();
    const schema = seedSchema({ email: "60" }).replace(/export const categories[\s\S]*?\n\}\);\n/, "");
    await p.writeSchema(schema);
    const result = await p.create("Narrow email and drop categories", { allowDrop: true });
    expect(result.status).toBe("created");
    const reasons = result.destructive.map((d) => d.reason).join("\n");
    expect(reasons).toMatch(/Drops table categories/);
    expect(reasons).toMatch(/Narrows users\.email from varchar\(120\) to varchar\(60\)/);
    expect(result.destructive.map((d) => d.statement)).toContain('DROP TABLE "categories" CASCADE;');
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.after).not.toContain("CREATE TABLE public.categories");
    expect(run.restored).toBe(run.before);
  });

  it("writes what drizzle-kit generate writes for the same change, ids and timestamps aside", async () => {
    const p = await project();
    await p.writeSchema(
      seedSchema({
        email: "255",
        usersExtra: '\n  isActive: boolean("is_active").default(true).notNull(),',
        extra: `
export const tags = pgTable("tags", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id),
  label: text("label").notNull(),
});`,
      }),
    );
    await cp(p.migrationsDir, path.join(p.dir, "kit"), { recursive: true });
    await p.create("Same as drizzle-kit");
    await drizzleKit(p.dir, [
      "generate",
      "--dialect",
      "postgresql",
      "--schema",
      "./schema.ts",
      "--out",
      "./kit",
      "--name",
      "same_as_drizzle_kit",
    ]);
    const ours = await folderContents(p.migrationsDir);
    const theirs = await folderContents(path.join(p.dir, "kit"));
    const sql = "0005_same_as_drizzle_kit.sql";
    expect(theirs[sql]).toBeDefined();
    expect(ours[sql]).toBe(theirs[sql]);
    const identityFree = (text = "") =>
      text.replace(/"(id|prevId)": "[^"]+"/g, "").replace(/"when": \d+/g, "");
    for (const file of ["meta/0005_snapshot.json", "meta/_journal.json"]) {
      expect(identityFree(ours[file])).toBe(identityFree(theirs[file]));
    }
  });

  it("reports no changes and writes nothing when the schema matches the last snapshot", async () => {
    const p = await project();
    const journalBefore = await readFile(path.join(p.migrationsDir, "meta/_journal.json"), "utf8");
    const result = await p.create("Nothing to see");
    expect(result).toEqual({
      status: "no-changes",
      files: [],
      upSql: [],
      downSql: [],
      destructive: [],
      validated: false,
    });
    expect(await readFile(path.join(p.migrationsDir, "meta/_journal.json"), "utf8")).toBe(journalBefore);
    expect(existsSync(path.join(p.migrationsDir, "0005_nothing_to_see.sql"))).toBe(false);
  });
});
