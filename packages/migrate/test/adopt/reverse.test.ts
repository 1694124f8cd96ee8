import { integer, pgEnum, pgTable, text } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { reverseDiff } from "../../src/adopt/reverse.js";
import { parseStatements } from "../../src/adopt/sql-text.js";
import { snapshotOf } from "../../src/authoring/drizzle-kit.js";
import { ORIGIN_ID } from "../../src/authoring/snapshot.js";

async function statements(sql: string) {
  return (await parseStatements(sql)) ?? [];
}

describe("the reverse diff of one migration", () => {
  it("undoes an answered column rename with a rename, keeping the data", async () => {
    const before = await snapshotOf(
      { t: pgTable("t", { id: integer("id"), title: text("title") }) },
      ORIGIN_ID,
    );
    const after = await snapshotOf(
      { t: pgTable("t", { id: integer("id"), headline: text("headline") }) },
      before.id,
    );
    const up = await statements('ALTER TABLE "t" RENAME COLUMN "title" TO "headline";');
    expect(await reverseDiff(after, before, up)).toEqual([
      'ALTER TABLE "t" RENAME COLUMN "headline" TO "title";',
    ]);
  });

  it("treats a disappearance and an appearance without a RENAME in the up file as a drop and a create", async () => {
    const before = await snapshotOf(
      { t: pgTable("t", { id: integer("id"), title: text("title") }) },
      ORIGIN_ID,
    );
    const after = await snapshotOf(
      { t: pgTable("t", { id: integer("id"), headline: text("headline") }) },
      before.id,
    );
    const down = await reverseDiff(after, before, []);
    expect(down).toEqual([
      'ALTER TABLE "t" DROP COLUMN "headline";',
      'ALTER TABLE "t" ADD COLUMN "title" text;',
    ]);
  });

  it("undoes an answered enum rename with a rename instead of failing on drizzle-kit's prompt", async () => {
    const mood = pgEnum("mood", ["a", "b"]);
    const feeling = pgEnum("feeling", ["a", "b"]);
    const before = await snapshotOf(
      { mood, t: pgTable("t", { id: integer("id"), m: mood("m") }) },
      ORIGIN_ID,
    );
    const after = await snapshotOf(
      { feeling, t: pgTable("t", { id: integer("id"), m: feeling("m") }) },
      before.id,
    );
    const up = await statements('ALTER TYPE "public"."mood" RENAME TO "feeling";');
    expect(await reverseDiff(after, before, up)).toEqual(['ALTER TYPE "public"."feeling" RENAME TO "mood";']);
    await expect(reverseDiff(after, before, [])).rejects.toMatchObject({ code: "TM_GENERATE_FAILED" });
  });
});
