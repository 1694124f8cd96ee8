import { addMigration, adminUrl, eventually } from "@tidemark/testkit";
import { kill9, spawnCli } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { appliedCounts, backendsRunning, historyRows, migrateTo, withSql } from "./support/database.js";
import { createScenario, useScenarios } from "./support/scenario.js";

const INDEX = "users_email_lower_idx";
const CONCURRENT = {
  tag: "0005_index_user_email_lower",
  up: `CREATE INDEX CONCURRENTLY "${INDEX}" ON "users" (lower("email"));\n`,
  down: `DROP INDEX CONCURRENTLY "${INDEX}";\n`,
};

/** Validity of the index in pg_index, or null when it does not exist. */
async function indexValid(url: string): Promise<boolean | null> {
  const rows = await withSql(
    url,
    (sql) => sql<{ valid: boolean }[]>`
      select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname = ${INDEX}`,
  );
  return rows[0]?.valid ?? null;
}

describe("case 3: kill -9 during a non-transactional CREATE INDEX CONCURRENTLY", () => {
  useScenarios();

  it("names the invalid index left behind, then drops and rebuilds it on the next run", {
    timeout: 120_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    await addMigration(s.migrationsDir, CONCURRENT.tag, CONCURRENT.up, CONCURRENT.down);
    // A dead client is noticed by PostgreSQL only when it next talks to it; this makes the
    // orphaned backend notice within 100 ms even while it waits, as a server restart would.
    await withSql(adminUrl, (sql) =>
      sql.unsafe(`ALTER DATABASE "${s.db.name}" SET client_connection_check_interval = '100ms'`),
    );

    // An open repeatable-read transaction: CREATE INDEX CONCURRENTLY builds the index, then
    // waits for this snapshot before marking it valid. That is where the worker dies.
    const blocker = postgres(s.db.url, { max: 1, onnotice: () => {} });
    const conn = await blocker.reserve();
    try {
      await conn.unsafe("begin isolation level repeatable read");
      await conn`select count(*) from users`;

      const env = { TIDEMARK_LOCK_TIMEOUT_MS: "60000" };
      const first = await s.worker(env);
      // This CLI waits through the gap between the two workers (an operator restarting one),
      // so it gets a no-worker allowance longer than the gap.
      const cli = spawnCli(["upgrade", "--yes"], s.env({ ...env, TIDEMARK_NO_WORKER_MS: "120000" }));
      await eventually(
        async () =>
          (await indexValid(s.db.url)) === false &&
          (await backendsRunning(adminUrl, s.db.name, "%create index concurrently%")).length > 0,
        "the concurrent build to wait with an invalid index",
        60_000,
        50,
      );
      await kill9(first);
      await eventually(
        async () => (await backendsRunning(adminUrl, s.db.name, "%create index concurrently%")).length === 0,
        "the orphaned index build to end",
      );
      expect(await indexValid(s.db.url)).toBe(false);

      const status = await s.cli(["status"]);
      expect(status.stdout).toContain(`Invalid index public.${INDEX}`);
      const json = await s.cli(["status", "--json"]);
      expect(JSON.parse(json.stdout).invalidIndexes).toEqual([`public.${INDEX}`]);

      await conn.unsafe("rollback");
      const second = await s.worker(env);
      const exit = await cli.exited;
      expect(cli.output()).not.toMatch(/✖/);
      expect(exit.code).toBe(0);

      const dropped = await second.waitForLog(
        "dropping invalid index left by an interrupted run; it will be rebuilt",
      );
      expect(dropped.index).toBe(`public.${INDEX}`);
      expect(await indexValid(s.db.url)).toBe(true);
      expect(appliedCounts(await historyRows(s.db.url))[CONCURRENT.tag]).toBe(1);
      const after = await s.cli(["status", "--json"]);
      expect(JSON.parse(after.stdout)).toMatchObject({ invalidIndexes: [], upToDate: true });
    } finally {
      conn.release();
      await blocker.end({ timeout: 5 });
    }
  });
});
