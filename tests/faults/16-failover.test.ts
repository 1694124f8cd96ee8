import { addMigration } from "@tidemark/testkit";
import { kill9, type ManagedProcess } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { appliedCounts, historyRows, migrateTo } from "./support/database.js";
import { createScenario, type Scenario, useScenarios } from "./support/scenario.js";

// The worker's production timing (TIDEMARK_WORKER_STALLED_MS 4 s, lock 8 s renewed about every
// 2 s), not the one-second setting the other fault cases use to go fast.
const PRODUCTION_TIMING = { TIDEMARK_WORKER_STALLED_MS: undefined, TIDEMARK_WORKER_LOCK_MS: undefined };

/** A TypeScript migration that blocks its worker's event loop for `ms` (no await inside). */
function blockingMigration(ms: number): string {
  return `export async function up() {\n  const t = Date.now();\n  while (Date.now() - t < ${ms}) {}\n}\nexport async function down() {}\n`;
}

/** The worker among `workers` that logged the job's start. */
async function runnerOf(workers: ManagedProcess[]): Promise<ManagedProcess> {
  return Promise.any(workers.map((w) => w.waitForLog("job started", 60_000).then(() => w)));
}

/** A database at 0004 with the given migrations pending, and two workers on its queue. */
async function twoWorkers(pending: [string, string, ("sql" | "ts")?][]): Promise<{
  s: Scenario;
  workers: ManagedProcess[];
}> {
  const s = await createScenario();
  await migrateTo(s.db.url, s.migrationsDir);
  for (const [tag, up, ext] of pending) await addMigration(s.migrationsDir, tag, up, "SELECT 1;\n", { ext });
  const workers = [await s.worker(PRODUCTION_TIMING), await s.worker(PRODUCTION_TIMING)];
  return { s, workers };
}

describe("failover timing: a live worker keeps its job, a dead one loses it", () => {
  useScenarios();

  it("never hands a long migration to the second worker while its worker lives, even with a blocked event loop", {
    timeout: 180_000,
  }, async () => {
    const { s, workers } = await twoWorkers([
      ["0005_block_loop", blockingMigration(3000), "ts"],
      ["0006_long_sleep", "SELECT pg_sleep(25);\n"],
      ["0007_block_loop_again", blockingMigration(3000), "ts"],
    ]);
    const run = await s.cli(["upgrade", "--yes"], { TIDEMARK_NO_WORKER_MS: "60000" });
    expect(run.stderr).not.toMatch(/✖/);
    expect(run.code).toBe(0);

    for (const w of workers)
      expect(w.logged("job stalled (its worker died); it runs again"), w.name).toEqual([]);
    expect(workers.flatMap((w) => w.logged("job started"))).toHaveLength(1);
    const history = await historyRows(s.db.url);
    const counts = appliedCounts(history);
    for (const tag of ["0005_block_loop", "0006_long_sleep", "0007_block_loop_again"])
      expect(counts[tag], tag).toBe(1);
    expect(history.filter((r) => r.status !== "ok")).toEqual([]);
  });

  it("resumes the job of a worker killed mid-migration on the surviving worker, applied once", {
    timeout: 180_000,
  }, async () => {
    const { s, workers } = await twoWorkers([["0005_slow", "SELECT pg_sleep(4);\n"]]);
    const cli = s.cli(["upgrade", "--yes"], { TIDEMARK_NO_WORKER_MS: "60000" });
    const first = await runnerOf(workers);
    await kill9(first);
    const survivor = workers.find((w) => w !== first) as ManagedProcess;
    await survivor.waitForLog("job stalled (its worker died); it runs again", 60_000);

    const run = await cli;
    expect(run.code).toBe(0);
    const history = await historyRows(s.db.url);
    expect(appliedCounts(history)["0005_slow"]).toBe(1);
    expect(history.filter((r) => r.status !== "ok")).toEqual([]);
    expect(history.at(-1)?.applied_by).toMatchObject({ via: "worker", pid: survivor.child.pid });
  });
});
