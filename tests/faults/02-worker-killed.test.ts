import { addMigration, eventually } from "@tidemark/testkit";
import { kill9, waitForReady } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import {
  appliedCounts,
  columnsOf,
  drizzleRows,
  historyRows,
  migrateTo,
  orphansGone,
  schemaDump,
  sleepingBackend,
} from "./support/database.js";
import {
  ADMIN_TOKEN,
  createScenario,
  http,
  referenceSchema,
  type Scenario,
  useScenarios,
} from "./support/scenario.js";

/** Three statements in one transaction; the worker is killed while the second one sleeps. */
const SLOW = {
  tag: "0005_add_user_nickname",
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n--> statement-breakpoint\nSELECT pg_sleep(3);\n--> statement-breakpoint\nCREATE INDEX "users_nickname_idx" ON "users" ("nickname");\n',
  down: 'DROP INDEX "users_nickname_idx";\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "nickname";\n',
};

/** A database at 0004 with the slow migration pending. */
async function slowScenario(): Promise<Scenario> {
  const s = await createScenario();
  await migrateTo(s.db.url, s.migrationsDir);
  await addMigration(s.migrationsDir, SLOW.tag, SLOW.up, SLOW.down);
  return s;
}

describe("case 2: kill -9 of the worker in the middle of a slow migration", () => {
  useScenarios();

  it("recovers the job on the next worker and applies the migration once, never half", {
    timeout: 120_000,
  }, async () => {
    const s = await slowScenario();
    const expectedSchema = await referenceSchema(s.migrationsDir);
    const first = await s.worker();
    const api = await s.api();
    await sleepingBackend(s.db.name);
    await kill9(first);
    await orphansGone(s.db.name);

    // Nothing of the interrupted migration survived its transaction.
    expect(await columnsOf(s.db.url, "users")).not.toContain("nickname");
    expect(await drizzleRows(s.db.url)).toHaveLength(5);

    const second = await s.worker();
    const ready = await waitForReady(api);
    expect(ready.revision).toBe(SLOW.tag);
    await second.waitForLog("job stalled (its worker died); it runs again");

    const done = await api.waitForLog("✅ Database migrations completed");
    const job = await http(`${api.url}/migrations/jobs/${String(done.jobId)}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(job.body).toMatchObject({ state: "completed", attempts: 2 });

    const history = await historyRows(s.db.url);
    expect(appliedCounts(history)[SLOW.tag]).toBe(1);
    expect(history.filter((r) => r.status !== "ok")).toEqual([]);
    expect(history.at(-1)?.applied_by).toMatchObject({
      via: "worker",
      pid: second.child.pid,
      jobId: done.jobId,
    });
    expect(await schemaDump(s.db.url)).toBe(expectedSchema);
  });

  it("fails the job visibly when the worker is killed twice, and the API reports it", {
    timeout: 120_000,
  }, async () => {
    const s = await slowScenario();
    const before = await schemaDump(s.db.url);
    const first = await s.worker();
    // Keep the boot wait on the job through the gaps between workers: this case is about the
    // job failing on its second death, not about the wait noticing no worker (15-worker-gone).
    const api = await s.api({ TIDEMARK_NO_WORKER_MS: "60000" });
    const pid1 = await sleepingBackend(s.db.name);
    await kill9(first);

    const second = await s.worker();
    await sleepingBackend(s.db.name, [pid1]);
    await kill9(second);
    await orphansGone(s.db.name);

    const third = await s.worker();
    const degraded = await eventually(async () => {
      const r = await http(`${api.url}/health/ready`);
      return r.status === 503 && r.body.failure ? r.body : null;
    }, "the API to report the failed job");
    expect(degraded.phase).toBe("degraded");
    expect(JSON.stringify(degraded.failure)).toMatch(/worker died while running this job more than once/);
    const logged = await api.waitForLog("❌ Database initialization error");
    expect(String(logged.nextCommand)).toMatch(/pnpm cli/);

    // The schema is exactly as before: the migration was never committed, not even in part.
    expect(await schemaDump(s.db.url)).toBe(before);
    expect(appliedCounts(await historyRows(s.db.url))[SLOW.tag]).toBeUndefined();

    // Asking again runs it once, on the worker that is still alive.
    const retry = await s.cli(["upgrade", "--yes"]);
    expect(retry.stderr).not.toMatch(/✖/);
    expect(retry.code).toBe(0);
    expect(appliedCounts(await historyRows(s.db.url))[SLOW.tag]).toBe(1);
    expect(third.logged("migration applied")).toHaveLength(1);
  });
});
