import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { withTempDatabase } from "@tidemark/testkit";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { tsGuardMessage } from "../../src/authoring/ts-guard.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { isTidemarkError } from "../../src/errors.js";
import { readMigrations } from "../../src/journal.js";
import { testContext } from "../support.js";
import { drizzleKit, drizzleKitCheck, projectsPerTest, query } from "./project.js";

const TAG = "0005_backfill_in_code";
const { project } = projectsPerTest();

/** A `create --ts` migration whose up() leaves a mark, in a project drizzle-kit can migrate. */
async function tsProject(databaseUrl: string) {
  const p = await project();
  await p.create("Backfill in code", { ts: true });
  const tsFile = path.join(p.migrationsDir, `${TAG}.ts`);
  const source = (await readFile(tsFile, "utf8")).replace(
    "  void ctx;\n}\n\nexport async function down",
    '  await ctx.sql`CREATE TABLE "ts_ran" ("id" integer)`;\n}\n\nexport async function down',
  );
  await writeFile(tsFile, source);
  await writeFile(
    path.join(p.dir, "drizzle.config.mjs"),
    `export default { dialect: "postgresql", out: "./migrations", dbCredentials: { url: ${JSON.stringify(databaseUrl)} } };\n`,
  );
  const drizzleMigrate = () => drizzleKit(p.dir, ["migrate", "--config", "drizzle.config.mjs"]);
  return { ...p, tsFile, source, drizzleMigrate };
}

async function tables(url: string): Promise<string[]> {
  const rows = await query(url, "select tablename from pg_tables where schemaname = 'public' order by 1");
  return rows.map((r) => String(r.tablename));
}

describe("create --ts and drizzle-kit", () => {
  it("stops drizzle-kit and drizzle-orm with a message naming the TypeScript migration, and Tidemark applies the .ts", async () => {
    await withTempDatabase(async (db) => {
      const p = await tsProject(db.url);
      const guard = await readFile(path.join(p.migrationsDir, `${TAG}.sql`), "utf8");
      expect(guard.split("\n")[0]).toBe(`-- tidemark:typescript-migration ${TAG}.ts`);
      expect(guard).toContain(tsGuardMessage(TAG));
      expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");

      // drizzle-kit 0.31 prints no migration error at all (its spinner swallows it); it exits 1.
      const failed = await p.drizzleMigrate().then(
        () => null,
        (err: { code: number }) => err,
      );
      expect(failed?.code).toBe(1);
      // drizzle runs every pending migration in one transaction: the guard keeps none of them.
      expect(await tables(db.url)).toEqual([]);

      // drizzle-orm's migrate(), as an application calls it, fails with the message, and
      // postgres.js hands over the WARNING that it prints when no onnotice is set.
      const notices: string[] = [];
      const client = postgres(db.url, { max: 1, onnotice: (n) => notices.push(String(n.message)) });
      const error = await migrate(drizzle(client), { migrationsFolder: p.migrationsDir }).then(
        () => null,
        (err: Error) => err,
      );
      await client.end();
      expect((error?.cause as Error | undefined)?.message).toBe(tsGuardMessage(TAG));
      expect(notices).toContain(tsGuardMessage(TAG));
      expect(await tables(db.url)).toEqual([]);

      const { ctx } = testContext(db.url, { migrationsDir: p.migrationsDir });
      const report = await upgrade(ctx);
      expect(report.steps.map((s) => s.revision).at(-1)).toBe(TAG);
      expect(await tables(db.url)).toContain("ts_ran");
      const rows = await query(db.url, "select hash from drizzle.__drizzle_migrations order by created_at");
      expect(rows).toHaveLength(6);
      expect(rows.at(-1)?.hash).toBe(createHash("sha256").update(p.source).digest("hex"));

      // Once Tidemark applied it, drizzle-kit finds nothing pending and succeeds.
      await p.drizzleMigrate();
      expect(await query(db.url, "select count(*)::int n from drizzle.__drizzle_migrations")).toEqual([
        { n: 6 },
      ]);
    });
  });

  it("keeps the checksum of a TypeScript migration applied before its guard .sql existed", async () => {
    await withTempDatabase(async (db) => {
      const p = await tsProject(db.url);
      const guardFile = path.join(p.migrationsDir, `${TAG}.sql`);
      const guard = await readFile(guardFile, "utf8");
      await rm(guardFile);
      const { ctx } = testContext(db.url, { migrationsDir: p.migrationsDir });
      await upgrade(ctx);

      await writeFile(guardFile, guard);
      const migration = (await readMigrations(p.migrationsDir)).at(-1);
      expect(migration).toMatchObject({ tag: TAG, kind: "ts", file: p.tsFile });
      // Same checksum as the applied row: no "changed file" error, nothing to do.
      const again = await upgrade(ctx);
      expect(again.steps).toEqual([]);
    });
  });

  it("refuses a .sql next to a .ts of the same tag that is not the guard, naming both files", async () => {
    const p = await project();
    await p.create("Backfill in code", { ts: true });
    const sqlFile = path.join(p.migrationsDir, `${TAG}.sql`);
    await writeFile(sqlFile, 'UPDATE "users" SET "avatar_url" = NULL;');
    const err = await readMigrations(p.migrationsDir).catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_JOURNAL_INVALID");
    expect((err as Error).message).toContain(`${TAG} has both ${sqlFile} and ${TAG}.ts`);
  });
});
