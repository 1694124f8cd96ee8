import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTempDatabase, dropDatabase } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { initProject } from "../../src/authoring/index.js";
import { status } from "../../src/commands/status.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { testContext } from "../support.js";
import { MESSES, makeMess, STRAY_FILE } from "./messes.js";
import { drizzleKit, drizzleKitCheck, projectsPerTest, seedSchema } from "./project.js";

const { project, defer } = projectsPerTest();

const withTags = seedSchema({
  extra: `
export const tags = pgTable("tags", {
  id: serial("id").primaryKey(),
  label: text("label").notNull(),
});`,
});

async function json<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

/** The id of the snapshot that sorts last in meta/: the one drizzle-kit would diff against. */
async function newestSnapshotId(dir: string, except: string): Promise<string> {
  const files = (await readdir(path.join(dir, "meta")))
    .filter((f) => f.endsWith("_snapshot.json") && f !== except)
    .sort();
  return (await json<{ id: string }>(path.join(dir, "meta", files.at(-1) as string))).id;
}

async function tempDb() {
  const db = await createTempDatabase("tm_real");
  defer(() => dropDatabase(db.name));
  return db;
}

describe.each(MESSES)("a real folder with %s", (mess) => {
  it("create diffs against the newest snapshot, and drizzle-kit generate and check still accept the folder", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, mess);
    await p.writeSchema(withTags);
    const result = await p.create("Add tags table");
    expect(result).toMatchObject({ status: "created", validated: true });
    expect(result.upSql.join("\n")).toContain('CREATE TABLE "tags"');
    expect(result.downSql).toEqual(['DROP TABLE "tags" CASCADE;']);
    const tag = result.revision as string;
    const prefix = tag.slice(0, 4);
    expect(tag).toBe(mess === "idx gaps" ? "0007_add_tags_table" : "0005_add_tags_table");
    const snapshot = await json<{ prevId: string }>(
      path.join(p.migrationsDir, `meta/${prefix}_snapshot.json`),
    );
    expect(snapshot.prevId).toBe(await newestSnapshotId(p.migrationsDir, `${prefix}_snapshot.json`));

    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
    const generated = await drizzleKit(p.dir, [
      "generate",
      "--dialect",
      "postgresql",
      "--schema",
      "./schema.ts",
      "--out",
      "./migrations",
    ]);
    expect(generated).toContain("No schema changes");
  });

  it("the engine applies it to a new database and status reports it up to date", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, mess);
    const db = await tempDb();
    const { ctx } = testContext(db.url, { migrationsDir: p.migrationsDir });
    const run = await upgrade(ctx);
    expect(run.steps).toHaveLength(5);
    const report = await status(ctx);
    expect(report.upToDate).toBe(true);
    expect(report.pending).toEqual([]);
  });

  it("create --custom, create --ts and init work on it", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, mess);
    const custom = await p.create("Backfill labels", { custom: true });
    expect(custom.status).toBe("created");
    expect(existsSync(path.join(p.migrationsDir, `${custom.revision}.sql`))).toBe(true);
    const ts = await p.create("Split names", { ts: true });
    expect(ts.status).toBe("created");
    expect(existsSync(path.join(p.migrationsDir, `${ts.revision}.ts`))).toBe(true);
    const journal = await json<{ entries: { tag: string; idx: number }[] }>(
      path.join(p.migrationsDir, "meta/_journal.json"),
    );
    expect(journal.entries.slice(-2).map((e) => e.tag)).toEqual([custom.revision, ts.revision]);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");

    const db = await tempDb();
    const init = await initProject({
      migrationsDir: p.migrationsDir,
      schemaFile: p.schemaFile,
      databaseUrl: db.url,
      logger: p.logger,
    });
    expect(init).toMatchObject({ status: "already-initialized", revision: ts.revision });
  });
});

describe("a real folder with every mess at once", () => {
  it("create, drizzle-kit check and generate, and the engine all accept it", async () => {
    const p = await project();
    for (const mess of MESSES) await makeMess(p.migrationsDir, mess);
    await p.writeSchema(withTags);
    const result = await p.create("Add tags table");
    expect(result).toMatchObject({ status: "created", revision: "0007_add_tags_table", validated: true });
    expect(result.warnings).toHaveLength(2);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
    const generated = await drizzleKit(p.dir, [
      "generate",
      "--dialect",
      "postgresql",
      "--schema",
      "./schema.ts",
      "--out",
      "./migrations",
    ]);
    expect(generated).toContain("No schema changes");
    const db = await tempDb();
    const { ctx } = testContext(db.url, { migrationsDir: p.migrationsDir });
    expect((await upgrade(ctx)).steps).toHaveLength(6);
    expect((await status(ctx)).upToDate).toBe(true);
  });
});

describe("what create says about a real folder", () => {
  it("warns about a stray .sql file, never deletes or applies it", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, "stray sql file");
    const stray = path.join(p.migrationsDir, STRAY_FILE);
    const content = await readFile(stray, "utf8");
    await p.writeSchema(withTags);
    const result = await p.create("Add tags table");
    expect(result.warnings).toEqual([expect.stringContaining(`${stray} is not in meta/_journal.json`)]);
    expect(p.logger.lines.some((l) => l.msg?.includes(STRAY_FILE))).toBe(true);
    expect(await readFile(stray, "utf8")).toBe(content);
  });

  it("warns that the diff starts from an older snapshot when the last entry has none", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, "missing last snapshot");
    const result = await p.create("Backfill", { custom: true });
    expect(result.warnings).toEqual([
      expect.stringContaining(
        "0004_set_default_avatar_url has no snapshot, so the new migration is diffed against",
      ),
    ]);
  });

  it("refuses a stray file that has the new migration's name instead of overwriting it", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, "stray sql file");
    const err = await p.create("Abandoned idea", { custom: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TM_JOURNAL_INVALID" });
    expect((err as Error).message).toContain("0005_abandoned_idea.sql already exists");
  });

  it("keeps the journal's version and dialect as drizzle-kit does, and numbers after the last idx", async () => {
    const p = await project();
    await makeMess(p.migrationsDir, "journal version 5 with dialect pg");
    await p.create("Backfill", { custom: true });
    const journal = await json<{ version: string; dialect: string; entries: { idx: number }[] }>(
      path.join(p.migrationsDir, "meta/_journal.json"),
    );
    expect([journal.version, journal.dialect, journal.entries.at(-1)?.idx]).toEqual(["5", "pg", 5]);
  });

  it("puts the new entry's when after every earlier one, even when a merge left an older one last", async () => {
    const p = await project();
    const file = path.join(p.migrationsDir, "meta/_journal.json");
    const journal = await json<{ entries: { when: number }[] }>(file);
    const newest = Math.max(...journal.entries.map((e) => e.when));
    const last = journal.entries.at(-1) as { when: number };
    last.when = journal.entries[0]?.when ?? 0;
    await writeFile(file, JSON.stringify(journal, null, 2));
    const result = await p.create("Backfill", { custom: true });
    expect(result.warnings?.[0]).toContain('"when"');
    const after = await json<{ entries: { when: number }[] }>(file);
    expect(after.entries.at(-1)?.when).toBeGreaterThan(newest);
  });
});
