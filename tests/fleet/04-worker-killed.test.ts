import { addMigration } from "@tidemark/testkit";
import { kill9 } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { createFleet, useFleets } from "./support/fleet.js";
import { appliedCountsOf, migrationTags, onceEach } from "./support/targets.js";

/** A migration slow enough that a worker is surely in the middle of one when it is killed. */
const SLOW = {
  tag: "0005_slow_backfill",
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n--> statement-breakpoint\nSELECT pg_sleep(0.5);\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};

/** Child job ids a worker started and never finished. */
function unfinished(logs: { msg?: string; jobId?: unknown }[]): string[] {
  const ended = new Set(
    logs.filter((l) => l.msg === "job completed" || l.msg === "job failed").map((l) => l.jobId),
  );
  return logs.filter((l) => l.msg === "job started" && !ended.has(l.jobId)).map((l) => String(l.jobId));
}

describe("kill -9 of a worker in the middle of a fleet run", () => {
  useFleets();

  it("hands its targets to the other worker; the run completes and no migration runs twice", {
    timeout: 120_000,
  }, async () => {
    const fleet = await createFleet(16);
    await addMigration(fleet.migrationsDir, SLOW.tag, SLOW.up, SLOW.down);
    const tags = await migrationTags(fleet.migrationsDir);
    const options = { TIDEMARK_FLEET_CONCURRENCY: "3" };
    const doomed = await fleet.worker(options, "doomed");
    const survivor = await fleet.worker(options, "survivor");

    const run = fleet.cli(["fleet", "upgrade", "--wave-size", "8"]);
    // The migration before the slow one is done: the doomed worker is now inside pg_sleep.
    await doomed.waitForLog((l) => l.msg === "migration applied" && l.revision === tags[4], 30_000);
    await kill9(doomed);
    const interrupted = unfinished(doomed.logs);
    expect(interrupted.length).toBeGreaterThan(0);

    const result = await run;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/completed: 16\/16 done · 0 failed/);
    expect(survivor.logged("fleet job stalled (its worker died); it runs again").length).toBeGreaterThan(0);
    // Each interrupted target was finished by the survivor.
    for (const jobId of interrupted) {
      expect(
        survivor.logged((l) => l.msg === "job completed" && l.jobId === jobId),
        jobId,
      ).toHaveLength(1);
    }

    const counts = await appliedCountsOf(fleet.targets);
    for (const t of fleet.targets) expect(counts[t.name], t.name).toEqual(onceEach(tags));
  });
});
