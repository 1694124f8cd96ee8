import { createTempDatabase, dropDatabase, withSql } from "@tidemark/testkit";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { checkUpToDate } from "../src/commands/status.js";
import { upgrade } from "../src/commands/upgrade.js";
import { verify } from "../src/commands/verify.js";
import { schemaDump, testContext } from "./support.js";

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

async function drizzleMigrate(url: string, folder: string) {
  return withSql(url, async (sql) => {
    await migrate(drizzle(sql), { migrationsFolder: folder });
    const [row] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    return row?.n as number;
  });
}

describe("agreement with drizzle-orm's migrator", () => {
  it("leaves nothing for drizzle-orm's migrate() after a Tidemark upgrade", async () => {
    const db = await createTempDatabase();
    dbs.push(db.name);
    const { ctx } = testContext(db.url);
    await upgrade(ctx);
    const before = await schemaDump(db.url);
    expect(await drizzleMigrate(db.url, ctx.migrationsDir)).toBe(5);
    expect(await schemaDump(db.url)).toBe(before);
  });

  it("sees a database migrated by drizzle-orm as up to date with no drift", async () => {
    const db = await createTempDatabase();
    dbs.push(db.name);
    const { ctx } = testContext(db.url);
    expect(await drizzleMigrate(db.url, ctx.migrationsDir)).toBe(5);
    expect(await checkUpToDate(ctx)).toMatchObject({ upToDate: true, pending: 0 });
    expect((await verify(ctx)).ok).toBe(true);
    expect((await upgrade(ctx)).steps).toEqual([]);
  });
});
