import { runSql } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { createFleet, type Fleet, useFleets } from "./support/fleet.js";
import { appliedCountsOf, fleetStatusRows, migrationTags, onceEach } from "./support/targets.js";

/** The run's id, from the first line the CLI prints. */
function fleetIdOf(stdout: string): string {
  const id = /^Fleet run (\S+): /m.exec(stdout)?.[1];
  if (!id) throw new Error(`no fleet run id in:\n${stdout}`);
  return id;
}

/**
 * After the halt: waves 1 and 2 applied except t05, which kept 0000 (each migration is its own
 * transaction) and recorded its failure at 0001; wave 3 untouched. The database and `fleet status` agree.
 */
async function expectHaltedState(fleet: Fleet, tags: string[]) {
  const [first, creatingCategories] = tags as [string, string];
  const expected = (name: string) => {
    if (name === "t05") return { counts: { [first]: 1 }, current: first, lastFailure: creatingCategories };
    if (["t07", "t08", "t09"].includes(name)) return { counts: {}, current: null, lastFailure: undefined };
    return { counts: onceEach(tags), current: tags.at(-1), lastFailure: undefined };
  };
  const counts = await appliedCountsOf(fleet.targets);
  const status = await fleetStatusRows(fleet);
  expect(status.code).toBe(0);
  for (const t of fleet.targets) {
    const want = expected(t.name);
    const row = status.rows.get(t.name);
    expect(counts[t.name], t.name).toEqual(want.counts);
    expect(row, t.name).toMatchObject({ error: null, current: want.current });
    expect(row?.pending, t.name).toBe(tags.length - Object.keys(want.counts).length);
    expect(row?.lastFailure?.revision, t.name).toBe(want.lastFailure);
  }
}

describe("a target whose migration fails, in wave 2 of 3, with --max-failures 0", () => {
  useFleets();

  it("finishes that wave, halts before wave 3, names the target; resume completes the fleet once fixed", {
    timeout: 120_000,
  }, async () => {
    const fleet = await createFleet(9);
    const tags = await migrationTags(fleet.migrationsDir);
    const [first, creatingCategories] = tags as [string, string];
    const latest = tags.at(-1);
    const bad = fleet.targets[4];
    if (!bad) throw new Error("fleet too small");
    // 0001 creates "categories": on this target its CREATE TABLE fails.
    await runSql(bad.url, 'create table "categories" (id int)');
    await fleet.worker({ TIDEMARK_FLEET_CONCURRENCY: "3" });

    const run = await fleet.cli(["fleet", "upgrade", "--wave-size", "3", "--max-failures", "0"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("halted before wave 3 of 3: 1 target failed, more than --max-failures 0");
    expect(run.stderr).toContain(
      `t05: TM_MIGRATION_FAILED: Target t05 (127.0.0.1:5432/${bad.db}): Migration ${creatingCategories} (up) failed at statement 1`,
    );
    expect(run.stderr).toContain('relation "categories" already exists');
    expect(run.stderr).toContain("[TM_FLEET_HALTED]");
    const fleetId = fleetIdOf(run.stdout);
    expect(run.stderr).toContain(`fleet resume ${fleetId}`);
    await expectHaltedState(fleet, tags);

    await runSql(bad.url, 'drop table "categories"');
    const resumed = await fleet.cli(["fleet", "resume", fleetId]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`applied\\s+t05\\s+${first} → ${latest} \\(4 steps\\)`));
    expect(resumed.stdout).toContain(`Fleet run ${fleetId} completed: 9/9 done · 0 failed`);

    const after = await appliedCountsOf(fleet.targets);
    for (const t of fleet.targets) expect(after[t.name], t.name).toEqual(onceEach(tags));
    const final = await fleetStatusRows(fleet);
    for (const row of final.rows.values()) expect(row).toMatchObject({ current: latest, pending: 0 });
  });
});
