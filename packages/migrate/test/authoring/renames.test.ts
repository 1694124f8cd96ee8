import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RenameQuestion } from "../../src/authoring/types.js";
import { isTidemarkError } from "../../src/errors.js";
import { drizzleKitCheck, folderContents, projectsPerTest, query, seedSchema, upAndDown } from "./project.js";

const LAST_SEED = "0004_set_default_avatar_url";
const { project } = projectsPerTest();

function sortedLines(dump: string): string[] {
  return dump
    .split("\n")
    .map((l) => l.trim().replace(/,$/, ""))
    .sort();
}

describe("create with renames", () => {
  it("renames a column given --rename, keeping its data, and renames it back on the way down", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const result = await p.create("Rename email", {
      renames: { columns: { "users.email": "email_address" } },
    });
    expect(result.upSql[0]).toBe('ALTER TABLE "users" RENAME COLUMN "email" TO "email_address";');
    expect(result.upSql.join("\n")).not.toMatch(/DROP COLUMN|ADD COLUMN/);
    expect(result.downSql[0]).toBe('ALTER TABLE "users" RENAME COLUMN "email_address" TO "email";');
    expect(result.destructive).toEqual([]);

    let kept: unknown;
    const run = await upAndDown(p.migrationsDir, LAST_SEED, {
      beforeUp: (url) =>
        query(url, "insert into users (username, email) values ('ann', 'ann@example.com')").then(() => {}),
      afterUp: async (url) => {
        kept = (await query(url, "select email_address from users"))[0]?.email_address;
      },
    });
    expect(kept).toBe("ann@example.com");
    expect(run.after).toContain("email_address character varying(120) NOT NULL");
    expect(run.restored).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
  });

  it("renames a table given --rename-table and records it in the snapshot's _meta", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ categoriesName: "topics" }));
    const result = await p.create("Rename categories to topics", {
      renames: { tables: { categories: "topics" } },
    });
    expect(result.upSql[0]).toBe('ALTER TABLE "categories" RENAME TO "topics";');
    expect(result.upSql.join("\n")).not.toMatch(/DROP TABLE|CREATE TABLE/);
    expect(result.downSql[0]).toBe('ALTER TABLE "topics" RENAME TO "categories";');
    const snapshot = JSON.parse((await folderContents(p.migrationsDir))["meta/0005_snapshot.json"] ?? "{}");
    expect(snapshot._meta.tables).toEqual({ '"categories"': '"topics"' });
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.after).toContain("CREATE TABLE public.topics");
    expect(run.restored).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
  });

  it("refuses an ambiguous rename without a TTY, names the flag to pass and writes nothing", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const before = await folderContents(p.migrationsDir);
    const err = await p.create("Rename email").catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_GENERATE_FAILED");
    expect((err as Error).message).toContain("--rename users.email=email_address");
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it("asks resolveRename with the candidates and renames when told so", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const questions: RenameQuestion[] = [];
    const result = await p.create("Rename email", {
      resolveRename: async (q) => {
        questions.push(q);
        return { action: "rename", from: "email" };
      },
    });
    expect(questions).toEqual([
      {
        kind: "column",
        table: "users",
        created: "email_address",
        candidates: ["email"],
        droppedIfCreated: ["email"],
      },
    ]);
    expect(result.upSql[0]).toBe('ALTER TABLE "users" RENAME COLUMN "email" TO "email_address";');
  });

  it("says a vanished column is dropped only in the question after which nothing can claim it", async () => {
    const p = await project();
    await p.writeSchema(
      seedSchema({ emailColumn: "contact", usersExtra: '\n  email2: varchar("email2", { length: 9 }),' }),
    );
    const questions: RenameQuestion[] = [];
    await p.create("Two new columns", {
      resolveRename: async (q) => {
        questions.push(q);
        return q.created === "email2" ? { action: "rename", from: "email" } : { action: "create" };
      },
    });
    expect(questions.map((q) => [q.created, q.candidates, q.droppedIfCreated])).toEqual([
      ["contact", ["email"], []],
      ["email2", ["email"], ["email"]],
    ]);
  });

  it("drops and adds when resolveRename answers create, flagging the drop as destructive", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const result = await p.create("Replace email", {
      resolveRename: async () => ({ action: "create" }),
      allowDrop: true,
    });
    expect(result.upSql.join("\n")).toContain('DROP COLUMN "email"');
    expect(result.upSql.join("\n")).toContain('ADD COLUMN "email_address"');
    expect(result.destructive.map((d) => d.reason).join()).toMatch(/Drops column users\.email/);
    expect(result.validated).toBe(true);
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    // Re-added by the down, "email" is now the table's last column: same schema, other dump order.
    expect(run.restored).not.toBe(run.before);
    expect(sortedLines(run.restored)).toEqual(sortedLines(run.before));
  });

  it("renames a table and one of its columns at once, the column named by the table's old name", async () => {
    const p = await project();
    await p.writeSchema(
      seedSchema({ categoriesName: "topics" }).replace('varchar("name"', 'varchar("title"'),
    );
    const result = await p.create("Topics with titles", {
      renames: { tables: { categories: "topics" }, columns: { "categories.name": "title" } },
    });
    expect(result.upSql).toEqual([
      'ALTER TABLE "categories" RENAME TO "topics";',
      'ALTER TABLE "topics" RENAME COLUMN "name" TO "title";',
    ]);
    expect(result.downSql).toEqual([
      'ALTER TABLE "topics" RENAME TO "categories";',
      'ALTER TABLE "categories" RENAME COLUMN "title" TO "name";',
    ]);
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.after).toContain("title character varying(50) NOT NULL");
    expect(run.restored).toBe(run.before);
  });

  it("drops one table and creates another when resolveRename answers create", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ categoriesName: "topics" }));
    const questions: RenameQuestion[] = [];
    const result = await p.create("Replace categories", {
      resolveRename: async (q) => {
        questions.push(q);
        return { action: "create" };
      },
      allowDrop: true,
    });
    expect(questions).toEqual([
      { kind: "table", created: "topics", candidates: ["categories"], droppedIfCreated: ["categories"] },
    ]);
    expect(result.upSql.join("\n")).toMatch(/DROP TABLE "categories"[\s\S]*CREATE TABLE "topics"/);
    expect(result.destructive.map((d) => d.reason).join()).toMatch(/Drops table categories/);
    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.after).toContain("CREATE TABLE public.topics");
    expect(run.after).not.toContain("CREATE TABLE public.categories");
    expect(run.restored).toBe(run.before);
  });

  it("refuses a renamed enum, which only drizzle-kit's prompt could resolve, with advice", async () => {
    const p = await project();
    const withEnum = (name: string) =>
      seedSchema({ extra: `\nexport const mood = pgEnum("${name}", ["happy", "sad"]);\n` }).replace(
        "import {",
        "import { pgEnum,",
      );
    await p.writeSchema(withEnum("mood"));
    expect((await p.create("Add mood")).status).toBe("created");
    await p.writeSchema(withEnum("feeling"));
    const err = await p.create("Rename mood").catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_GENERATE_FAILED");
    expect((err as Error).message).toContain("enum public.feeling appeared while public.mood disappeared");
    expect((err as Error).message).toContain("two migrations");
  });

  it("rejects a --rename whose column does not exist as a usage error", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const err = await p
      .create("Rename email", { renames: { columns: { "users.mail": "email_address" } } })
      .catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_USAGE");
    expect((err as Error).message).toContain('column "mail" did not exist before');
    expect(existsSync(path.join(p.migrationsDir, "0005_rename_email.sql"))).toBe(false);
  });
});
