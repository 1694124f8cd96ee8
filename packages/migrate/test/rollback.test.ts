import { createTempDatabase, dropDatabase } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { history } from "../src/commands/history.js";
import { previewRollback, rollback } from "../src/commands/rollback.js";
import { stamp } from "../src/commands/stamp.js";
import { checkUpToDate, status } from "../src/commands/status.js";
import { upgrade } from "../src/commands/upgrade.js";
import { readMigrations } from "../src/journal.js";
import { schemaDump, testContext } from "./support.js";

const dbs: string[] = [];
async function freshDb() {
  const db = await createTempDatabase();
  dbs.push(db.name);
  return db;
}
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

describe("rollback", () => {
  let forward: string[] = [];
  let tags: string[] = [];

  beforeAll(async () => {
    const { ctx } = testContext("postgres://unused");
    tags = (await readMigrations(ctx.migrationsDir)).map((m) => m.tag);
    // Reference dumps: a database migrated forward to each revision k (index 0 = base).
    const db = await freshDb();
    const { ctx: c } = testContext(db.url);
    forward = [await schemaDump(db.url)];
    for (const tag of tags) {
      await upgrade(c, { to: tag });
      forward.push(await schemaDump(db.url));
    }
  });

  it("rolling back to every revision k gives the same schema as migrating forward to k", async () => {
    const db = await freshDb();
    const { ctx } = testContext(db.url);
    await upgrade(ctx);
    for (let k = tags.length - 1; k >= 0; k--) {
      const target = tags[k] as string;
      const report = await rollback(ctx, { to: target, noBackup: true });
      expect(report.to).toBe(target);
      expect(await schemaDump(db.url)).toBe(forward[k + 1]);
    }
    await rollback(ctx, { to: "base", noBackup: true });
    expect(await schemaDump(db.url)).toBe(forward[0]);
    expect((await status(ctx)).current).toBeNull();
  });

  it("rolls back to the previous revision and deletes its drizzle row", async () => {
    const db = await freshDb();
    const { ctx } = testContext(db.url);
    await upgrade(ctx);
    const report = await rollback(ctx, { to: "prev", noBackup: true });
    expect(report.steps.map((s) => s.revision)).toEqual(["0004_set_default_avatar_url"]);
    const check = await checkUpToDate(ctx);
    expect(check.current).toBe("0003_add_user_avatar_url");
    expect(check.pending).toBe(1);
    const h = await history(ctx, { limit: 1 });
    expect(h[0]).toMatchObject({ revision: "0004_set_default_avatar_url", direction: "down", status: "ok" });
  });

  it("lists the tables and columns a rollback would drop with their live row counts", async () => {
    const db = await freshDb();
    const { ctx } = testContext(db.url);
    await upgrade(ctx);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    await sql`insert into users (username, email, avatar_url) values ('a', 'a@x', '/a.png'), ('b', 'b@x', null)`;
    await sql`insert into categories (name) values ('x')`;
    await sql.end();
    const preview = await previewRollback(ctx, "0000");
    expect(preview.to).toBe("0000_create_users_table");
    expect(preview.losses).toEqual(
      expect.arrayContaining([
        {
          revision: "0003_add_user_avatar_url",
          kind: "column",
          table: "users",
          column: "avatar_url",
          rows: 1,
        },
        {
          revision: "0001_add_categories_table",
          kind: "table",
          table: "categories",
          column: undefined,
          rows: 1,
        },
      ]),
    );
  });

  it("refuses an unknown revision and names the known ones", async () => {
    const db = await freshDb();
    const { ctx } = testContext(db.url);
    await upgrade(ctx, { to: "0001" });
    await expect(rollback(ctx, { to: "0042_nope", noBackup: true })).rejects.toMatchObject({
      code: "TM_UNKNOWN_REVISION",
      message: expect.stringContaining("0000_create_users_table"),
    });
    await expect(rollback(ctx, { to: "0003", noBackup: true })).rejects.toMatchObject({
      code: "TM_UNKNOWN_REVISION",
    });
  });
});

describe("stamp", () => {
  it("marks an existing database as migrated without running SQL, and can move back", async () => {
    const db = await freshDb();
    const { ctx } = testContext(db.url);
    const result = await stamp(ctx, "0002");
    expect(result.stamped).toHaveLength(3);
    const s = await status(ctx);
    expect(s.current).toBe("0002_increase_username_length");
    expect(s.tables).toEqual([]);
    await stamp(ctx, "0000");
    expect((await status(ctx)).current).toBe("0000_create_users_table");
    expect((await history(ctx)).filter((h) => h.direction === "stamp")).toHaveLength(5);
  });
});
