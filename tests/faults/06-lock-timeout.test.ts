import { addMigration } from "@tidemark/testkit";
import { isRunning, spawnCli } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { appliedCounts, columnsOf, historyRows, migrateTo, withSql } from "./support/database.js";
import { createScenario, useScenarios } from "./support/scenario.js";

const NICKNAME = {
  tag: "0005_add_user_nickname",
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};

/** The migration's lock_timeout and retries: small, so the case is quick. */
const LOCK_TIMEOUT_MS = 300;
const RETRIES = 2;
/**
 * Application queries get ten times the migration's lock_timeout: a migration that queued
 * them behind its ACCESS EXCLUSIVE request for longer (no lock_timeout) makes them fail.
 */
const APP_LOCK_TIMEOUT_MS = LOCK_TIMEOUT_MS * 10;

describe("case 6: an idle transaction holds a lock on the migration's table", () => {
  useScenarios();

  it("times out, retries a bounded number of times, names the blocker, and never stalls the application", {
    timeout: 90_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    await withSql(
      s.db.url,
      (sql) => sql`insert into users (username, email) values ('ada', 'ada@example.com')`,
    );
    await addMigration(s.migrationsDir, NICKNAME.tag, NICKNAME.up, NICKNAME.down);
    const env = { TIDEMARK_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS), TIDEMARK_LOCK_RETRIES: String(RETRIES) };
    const worker = await s.worker(env);

    const blocker = postgres(s.db.url, { max: 1, onnotice: () => {} });
    const app = postgres(s.db.url, { max: 1, onnotice: () => {} });
    const conn = await blocker.reserve();
    try {
      await conn.unsafe("begin");
      await conn`select * from users limit 1`;
      const [me] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await app.unsafe(`set lock_timeout = ${APP_LOCK_TIMEOUT_MS}`);

      const cli = spawnCli(["upgrade", "--yes"], s.env(env));
      // Application traffic on the same table for as long as the migration tries.
      const probes: { ok: boolean; error?: string; ms: number }[] = [];
      while (isRunning(cli)) {
        const t0 = performance.now();
        try {
          await app`select count(*) from users`;
          probes.push({ ok: true, ms: performance.now() - t0 });
        } catch (err) {
          probes.push({ ok: false, error: (err as Error).message, ms: performance.now() - t0 });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const exit = await cli.exited;

      expect(probes.length).toBeGreaterThan(5);
      expect(probes.filter((p) => !p.ok)).toEqual([]);
      expect(exit.code).toBe(1);
      const stderr = cli.output();
      expect(stderr).toContain(`could not lock its table within lock_timeout after ${RETRIES + 1} attempts`);
      expect(stderr).toContain(`pid ${me?.pid} (idle in transaction, holds AccessShareLock on users`);
      expect(stderr).toContain("pg_terminate_backend");
      expect(stderr).toContain("[TM_LOCK_TIMEOUT]");
      expect(worker.logged("lock timeout, retrying")).toHaveLength(RETRIES);

      expect(await columnsOf(s.db.url, "users")).not.toContain("nickname");
      const failed = (await historyRows(s.db.url)).filter((r) => r.status === "failed");
      expect(failed.map((r) => r.revision)).toEqual([NICKNAME.tag]);
      expect(failed[0]?.error).toMatch(/^TM_LOCK_TIMEOUT: /);
      // Recorded for docs/reliability.md; not asserted (wall-clock).
      const slowest = Math.max(...probes.map((p) => p.ms));
      console.info(`case 6: ${probes.length} application queries, slowest ${slowest.toFixed(0)} ms`);

      // Once the blocker is gone the same upgrade goes through.
      await conn.unsafe("rollback");
      const retry = await s.cli(["upgrade", "--yes"], env);
      expect(retry.code).toBe(0);
      expect(await columnsOf(s.db.url, "users")).toContain("nickname");
      expect(appliedCounts(await historyRows(s.db.url))[NICKNAME.tag]).toBe(1);
    } finally {
      conn.release();
      await Promise.all([blocker.end({ timeout: 5 }), app.end({ timeout: 5 })]);
    }
  });
});
