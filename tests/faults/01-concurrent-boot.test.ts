import { createMigrationsQueue, currentRequester } from "@tidemark/jobs";
import { addMigration, redisUrl } from "@tidemark/testkit";
import { waitForReady } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { appliedCounts, drizzleRows, historyRows, schemaDump, withSql } from "./support/database.js";
import { createScenario, referenceSchema, useScenarios } from "./support/scenario.js";

/**
 * A slow migration with a side effect that shows a double apply: the sleep keeps the first
 * run inside it while the others arrive, and the insert would happen twice without the lock.
 */
const SEED_ONCE = {
  tag: "0005_seed_category_once",
  up: 'SELECT pg_sleep(2);\n--> statement-breakpoint\nINSERT INTO "categories" ("name") VALUES (\'seeded once\');\n',
  down: 'DELETE FROM "categories" WHERE "name" = \'seeded once\';\n',
};

describe("case 1: two workers and five APIs start at once on an empty database", () => {
  useScenarios();

  it("applies each migration exactly once and brings every API to ready", { timeout: 150_000 }, async () => {
    const s = await createScenario();
    await addMigration(s.migrationsDir, SEED_ONCE.tag, SEED_ONCE.up, SEED_ONCE.down);
    const expectedSchema = await referenceSchema(s.migrationsDir);

    // Besides the APIs' boot requests (deduplicated into one job), an operator's upgrade pinned
    // to 0005 arrives at the same moment; deduplication cannot merge the two, so both workers
    // run an upgrade at once and really race for the migration lock.
    const queue = createMigrationsQueue({ redisUrl, prefix: s.prefix });
    try {
      const workers = await Promise.all([s.worker(), s.worker()]);
      const requestedBy = currentRequester("test");
      const [apis, ...jobs] = await Promise.all([
        Promise.all(Array.from({ length: 5 }, () => s.api())),
        queue.enqueue("upgrade", { to: SEED_ONCE.tag, requestedBy }),
        queue.enqueue("upgrade", { requestedBy }),
      ]);
      for (const { jobId } of jobs) {
        const report = await queue.awaitJob(jobId, { timeoutMs: 120_000 });
        expect(report).toMatchObject({ direction: "up", to: SEED_ONCE.tag });
      }
      // Each worker ran one of them.
      for (const w of workers) {
        await w.waitForLog("job completed");
      }

      for (const api of apis) {
        const ready = await waitForReady(api, 90_000);
        expect(ready.revision).toBe(SEED_ONCE.tag);
        await api.waitForLog("✅ Database migrations completed");
        expect(api.logged("❌ Database initialization error")).toEqual([]);
      }

      const history = await historyRows(s.db.url);
      expect(history.filter((r) => r.status !== "ok")).toEqual([]);
      expect(appliedCounts(history)).toEqual({
        "0000_create_users_table": 1,
        "0001_add_categories_table": 1,
        "0002_increase_username_length": 1,
        "0003_add_user_avatar_url": 1,
        "0004_set_default_avatar_url": 1,
        [SEED_ONCE.tag]: 1,
      });
      const drizzle = await drizzleRows(s.db.url);
      expect(new Set(drizzle.map((r) => r.created_at)).size).toBe(6);
      expect(drizzle).toHaveLength(6);
      const seeded = await withSql(
        s.db.url,
        (sql) => sql`select count(*)::int as n from categories where name = 'seeded once'`,
      );
      expect(seeded[0]?.n).toBe(1);
      expect(await schemaDump(s.db.url)).toBe(expectedSchema);

      // Every migration was applied by exactly one worker process.
      const applied = workers.flatMap((w) => w.logged("migration applied"));
      expect(applied.map((l) => l.revision).sort()).toEqual(Object.keys(appliedCounts(history)).sort());
    } finally {
      await queue.close();
    }
  });
});
