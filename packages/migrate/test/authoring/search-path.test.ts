import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createTempDatabase, dropDatabase } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { upgrade } from "../../src/commands/upgrade.js";
import { testContext } from "../support.js";
import { projectsPerTest, query, seedSchema } from "./project.js";

const { project, defer } = projectsPerTest();
const withPgSchema = (source: string) => source.replace("varchar } from", "varchar, pgSchema } from");

describe.each([
  ["its database", (db: string) => `alter database "${db}" set search_path = app, public`],
  [
    "its role in that database",
    (db: string) => `alter role current_user in database "${db}" set search_path = app, public`,
  ],
])("a project whose names resolve through a search_path set on %s", (_on, setPath) => {
  it("keeps working with upgrade and create: the scratch database gets the same search_path", async () => {
    const p = await project();
    const db = await createTempDatabase("tm_search_path");
    defer(() => dropDatabase(db.name));
    await query(db.url, setPath(db.name));
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
