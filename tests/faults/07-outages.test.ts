import { createMigrationsQueue, currentRequester } from "@tidemark/jobs";
import { addMigration, adminUrl, eventually } from "@tidemark/testkit";
import { isRunning, kill9, spawnCli, waitForReady } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import {
  appliedCounts,
  columnsOf,
  historyRows,
  migrateTo,
  sleepingBackend,
  withSql,
} from "./support/database.js";
import { ownRedis } from "./support/redis.js";
import { ADMIN_TOKEN, createScenario, http, type Scenario, useScenarios } from "./support/scenario.js";

const SLOW = {
  tag: "0005_add_user_nickname",
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n--> statement-breakpoint\nSELECT pg_sleep(3);\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};

/** A database at 0004 with the slow migration pending. */
async function slowScenario(redisUrl?: string): Promise<Scenario> {
  const s = await createScenario({ redisUrl });
  await migrateTo(s.db.url, s.migrationsDir);
  await addMigration(s.migrationsDir, SLOW.tag, SLOW.up, SLOW.down);
  return s;
}

describe("case 7: Redis down at boot, Redis restarted mid-job, PostgreSQL restarted mid-job", () => {
  useScenarios();

  it("degrades with a clear error while Redis is down at API boot, then becomes ready when it is back", {
    timeout: 120_000,
  }, async () => {
    const redis = await ownRedis();
    const s = await createScenario({ redisUrl: redis.url });
    try {
      const worker = await s.worker({}, { waitReady: false });
      const api = await s.api();
      const degraded = await eventually(async () => {
        const r = await http(`${api.url}/health/ready`);
        return r.status === 503 && r.body.failure ? r.body : null;
      }, "the API to report Redis down");
      expect(degraded.failure).toMatchObject({ code: "TM_REDIS_UNAVAILABLE" });
      expect(JSON.stringify(degraded.failure)).toContain(`Cannot reach Redis at ${redis.url}`);
      expect(JSON.stringify(degraded.failure)).toContain("MIGRATE_ON_BOOT=inline");
      // Liveness and status stay up while degraded.
      expect((await http(`${api.url}/health/live`)).status).toBe(200);
      // Queue details are for token holders; anonymous callers get the summary (docs/security.md).
      const status = await http(`${api.url}/migrations/status`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ pending: expect.any(Array), queue: { counts: null } });
      expect(String((status.body.queue as { reason?: unknown }).reason)).toMatch(/queue unavailable/);
      expect((await http(`${api.url}/users`)).status).toBe(503);
      await worker.waitForLog("Redis unavailable; retrying");
      expect(isRunning(worker)).toBe(true);

      const cli = await s.cli(["upgrade", "--yes"]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`Cannot reach Redis at ${redis.url}`);
      expect(cli.stderr).toContain("--direct");
      expect(cli.stderr).toContain("[TM_REDIS_UNAVAILABLE]");

      await redis.start();
      await worker.waitForLog("migrator worker ready");
      const ready = await waitForReady(api, 90_000);
      expect(ready.revision).toBe("0004_set_default_avatar_url");
      const counts = appliedCounts(await historyRows(s.db.url));
      expect(Object.values(counts)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await Promise.all(s.procs.map(kill9));
      await redis.crash();
    }
  });

  it("answers the waiting CLI with a clear error when Redis restarts empty mid-job, and a new job finishes", {
    timeout: 120_000,
  }, async () => {
    const redis = await ownRedis();
    await redis.start();
    const s = await slowScenario(redis.url);
    try {
      const worker = await s.worker();
      const cli = spawnCli(["upgrade", "--yes"], s.env());
      await sleepingBackend(s.db.name);
      await redis.crash();
      await redis.start();

      const exit = await cli.exited;
      expect(exit.code).toBe(1);
      expect(cli.output()).toMatch(/Job [\w-]+ does not exist in queue "migrations"/);
      expect(cli.output()).toContain("[TM_JOB_NOT_FOUND]");

      // The worker survived the restart and runs the job enqueued again; nothing applies twice.
      await worker.waitForLog("Redis connection restored");
      const queue = createMigrationsQueue({ redisUrl: redis.url, prefix: s.prefix });
      try {
        const report = await queue.enqueueAndAwait(
          "upgrade",
          { requestedBy: currentRequester("test") },
          { timeoutMs: 60_000 },
        );
        expect(report.to).toBe(SLOW.tag);
      } finally {
        await queue.close();
      }
      expect(isRunning(worker)).toBe(true);
      expect(await columnsOf(s.db.url, "users")).toContain("nickname");
      expect(appliedCounts(await historyRows(s.db.url))[SLOW.tag]).toBe(1);
    } finally {
      await Promise.all(s.procs.map(kill9));
      await redis.crash();
    }
  });

  it("keeps nothing half-applied when PostgreSQL drops the worker's session mid-job, and finishes the job once", {
    timeout: 120_000,
  }, async () => {
    // A server restart, seen from the client, is its backends being terminated: the shared
    // cluster stays up for the other test files, and we terminate this database's backends.
    const s = await slowScenario();
    const first = await s.worker();
    const env = { TIDEMARK_JOB_TIMEOUT_MS: "60000" };
    const cli = spawnCli(["upgrade", "--yes"], s.env(env));
    await sleepingBackend(s.db.name);
    const terminated = await withSql(
      adminUrl,
      (sql) => sql`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = ${s.db.name} and pid <> pg_backend_pid()`,
    );
    expect(terminated.length).toBeGreaterThan(0);
    const exit = await cli.exited;

    // The worker survives (postgres.js is patched for porsager/postgres#1208): the job fails
    // with the cause, nothing of the migration remains, and asking again finishes it.
    expect(isRunning(first)).toBe(true);
    expect(exit.code).toBe(1);
    expect(cli.output()).toContain(`Migration ${SLOW.tag} (up) failed`);
    expect(cli.output()).toContain("the connection to PostgreSQL was lost");
    expect(cli.output()).toContain("Nothing of it was kept");
    expect(cli.output()).toContain("[TM_SESSION_LOST]");
    expect(await columnsOf(s.db.url, "users")).not.toContain("nickname");
    expect((await s.cli(["upgrade", "--yes"], env)).code).toBe(0);
    expect(await columnsOf(s.db.url, "users")).toContain("nickname");
    const history = await historyRows(s.db.url);
    expect(appliedCounts(history)[SLOW.tag]).toBe(1);
  });
});
