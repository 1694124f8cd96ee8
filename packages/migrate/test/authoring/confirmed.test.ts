import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTempDatabase, dropDatabase } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/hash.js";
import { readMigrations } from "../../src/journal.js";
import { applyBaseline, BASELINE_FILE, lintMigrations, readBaseline } from "../../src/lint/index.js";
import { upgrade } from "../../src/upgrade.js";
import { testContext } from "../support.js";
import { projectsPerTest, query, seedSchema } from "./project.js";

const { project, defer } = projectsPerTest();
const withPgSchema = (source: string) => source.replace("varchar } from", "varchar, pgSchema } from");

async function lintWithBaseline(dir: string, revision: string) {
  const migrations = await readMigrations(dir);
  return applyBaseline(
    await lintMigrations(migrations, { revisions: [revision] }),
    await readBaseline(dir),
    migrations,
  );
}

describe("create records what its author confirmed in the lint baseline", () => {
  it("a rename given as --rename is accepted for that exact file", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const result = await p.create("Rename email", {
      renames: { columns: { "users.email": "email_address" } },
    });
    expect(result.baselined).toEqual(["rename-column"]);
    const up = await readFile(path.join(p.migrationsDir, `${result.revision}.sql`));
    expect((await readBaseline(p.migrationsDir)).entries).toEqual([
      { revision: result.revision, checksum: sha256(up), rules: ["rename-column"] },
    ]);
    const report = await lintWithBaseline(p.migrationsDir, result.revision as string);
    expect(report.errors).toBe(0);
    expect(report.baselined?.map((f) => f.rule)).toEqual(["rename-column"]);
  });

  it("a drop confirmed at the prompt is accepted, a finding nobody confirmed is not", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "contact" }));
    const result = await p.create("Replace email", { resolveRename: async () => ({ action: "create" }) });
    expect(result.upSql.join("\n")).toContain('DROP COLUMN "email"');
    expect(result.baselined).toEqual(["drop-column"]);
    const report = await lintWithBaseline(p.migrationsDir, result.revision as string);
    // The new NOT NULL column without a default was never asked about: it still counts.
    const rules = report.findings.map((f) => f.rule);
    expect(rules).toContain("add-not-null-column-without-default");
    expect(rules).not.toContain("drop-column");
  });

  it("every drop is accepted with acceptDrops (create --accept-drop)", async () => {
    const p = await project();
    await p.writeSchema(seedSchema().replace(/\n\s*avatarUrl: [^\n]+/, ""));
    const result = await p.create("Drop avatar url", { acceptDrops: true });
    expect(result.baselined).toEqual(["drop-column"]);
    expect((await lintWithBaseline(p.migrationsDir, result.revision as string)).errors).toBe(0);
  });

  it("a drop nobody was asked about is not accepted and writes no baseline", async () => {
    const p = await project();
    await p.writeSchema(seedSchema().replace(/\n\s*avatarUrl: [^\n]+/, ""));
    const result = await p.create("Drop avatar url");
    expect(result.upSql.join("\n")).toContain('DROP COLUMN "avatar_url"');
    expect(result.baselined).toBeUndefined();
    expect(existsSync(path.join(p.migrationsDir, BASELINE_FILE))).toBe(false);
  });
});

describe("a project whose names resolve through a search_path set on its database", () => {
  it("keeps working with upgrade and create: the scratch database gets the same search_path", async () => {
    const p = await project();
    const db = await createTempDatabase("tm_search_path");
    defer(() => dropDatabase(db.name));
    await query(db.url, `alter database "${db.name}" set search_path = app, public`);
    const appSchema = `
export const app = pgSchema("app");
export const mood = app.enum("mood", ["ok", "meh"]);
export const notes = app.table("notes", {
  id: serial("id").primaryKey(),
  mood: mood("mood"),
});`;
    await p.writeSchema(withPgSchema(seedSchema({ extra: appSchema })));
    expect((await p.create("Add notes", { databaseUrl: db.url })).validated).toBe(true);
    // A hand-written migration names the enum without its schema, as real histories do.
    const custom = await p.create("Second mood", { custom: true });
    await writeFile(
      path.join(p.migrationsDir, `${custom.revision}.sql`),
      'ALTER TABLE "app"."notes" ADD COLUMN "second_mood" mood;\n',
    );
    await writeFile(
      path.join(p.migrationsDir, `${custom.revision}.down.sql`),
      'ALTER TABLE "app"."notes" DROP COLUMN "second_mood";\n',
    );
    const { ctx } = testContext(db.url, { migrationsDir: p.migrationsDir });
    expect((await upgrade(ctx)).steps).toHaveLength(7);

    const labels = `\nexport const labels = app.table("labels", { id: serial("id").primaryKey() });`;
    await p.writeSchema(withPgSchema(seedSchema({ extra: appSchema + labels })));
    const next = await p.create("Add labels", { databaseUrl: db.url });
    expect(next.validated).toBe(true);
    expect((await upgrade(ctx)).steps.map((s) => s.revision)).toEqual([next.revision]);
  });
});
