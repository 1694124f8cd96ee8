import path from "node:path";
import { addMigration } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { appliedCounts, drizzleRows, historyRows, migrateTo, schemaDump } from "./support/database.js";
import { createScenario, referenceSchema, useScenarios } from "./support/scenario.js";

/** Five statements; the third inserts into a column that does not exist. */
const FIVE = {
  tag: "0005_add_tags",
  up: [
    'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);',
    'CREATE TABLE "tags" ("id" serial PRIMARY KEY NOT NULL, "name" text NOT NULL);',
    'INSERT INTO "tags" ("label") VALUES (\'oops\');',
    'CREATE INDEX "users_nickname_idx" ON "users" ("nickname");',
    'ALTER TABLE "categories" ADD COLUMN "slug" text;',
  ].join("\n--> statement-breakpoint\n"),
};

describe("case 4: statement 3 of 5 fails", () => {
  useScenarios();

  it("keeps nothing of that migration, names file and statement, and keeps the earlier ones", {
    timeout: 90_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir, "0002_increase_username_length");
    await addMigration(s.migrationsDir, FIVE.tag, `${FIVE.up}\n`);
    const at0004 = await referenceSchema(s.migrationsDir, "0004_set_default_avatar_url");
    await s.worker();

    const run = await s.cli(["upgrade", "--yes"]);
    expect(run.code).toBe(1);
    // The message crossed the queue intact: migration, statement, file, PostgreSQL's reason, code.
    expect(run.stderr).toContain(`Migration ${FIVE.tag} (up) failed at statement 3`);
    expect(run.stderr).toContain(path.join(s.migrationsDir, `${FIVE.tag}.sql`));
    expect(run.stderr).toContain('column "label" of relation "tags" does not exist');
    expect(run.stderr).toContain("Nothing of it was kept");
    expect(run.stderr).toContain("[TM_MIGRATION_FAILED]");

    // 0003 and 0004 stay applied; of 0005 not even statements 1 and 2 remain.
    expect(await schemaDump(s.db.url)).toBe(at0004);
    expect(await drizzleRows(s.db.url)).toHaveLength(5);
    const history = await historyRows(s.db.url);
    expect(appliedCounts(history)).toMatchObject({
      "0003_add_user_avatar_url": 1,
      "0004_set_default_avatar_url": 1,
    });
    const failed = history.filter((r) => r.status === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ revision: FIVE.tag, direction: "up" });
    expect(failed[0]?.error).toMatch(/^TM_MIGRATION_FAILED: .*statement 3/);

    // status shows the same failure to whoever looks next.
    const status = JSON.parse((await s.cli(["status", "--json"])).stdout);
    expect(status).toMatchObject({ current: "0004_set_default_avatar_url", pending: [FIVE.tag] });
    expect(status.lastFailure).toMatchObject({ revision: FIVE.tag, status: "failed" });
  });
});
