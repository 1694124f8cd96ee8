import type { FleetView } from "@tidemark/jobs";
import { databaseUrl, runSql } from "@tidemark/testkit";
import { freePort } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createFleet, type Fleet, type Target, useFleets } from "./support/fleet.js";
import { migrateTo } from "./support/migrate-to.js";
import { appliedCountsOf, fleetStatusRows, migrationTags, onceEach } from "./support/targets.js";

/** Tidemark's migration advisory lock ("tide" in ASCII, packages/migrate/src/lock.ts). */
const MIGRATION_LOCK_KEY = 0x74696465;

/** Fail fast: a child waits 300 ms for a target's lock, a statement 200 ms for a table's, once retried. */
const FAST_LOCKS = {
  TIDEMARK_FLEET_LOCK_WAIT_MS: "300",
  TIDEMARK_LOCK_TIMEOUT_MS: "200",
  TIDEMARK_LOCK_RETRIES: "1",
  TIDEMARK_FLEET_CONCURRENCY: "2",
};

/** What each unhealthy target must fail with. */
const EXPECTED = {
  down: "TM_DB_UNREACHABLE",
  missing: "TM_DB_UNREACHABLE",
  drift: "TM_CHECKSUM_MISMATCH",
  busy: "TM_LOCK_BUSY",
  blocked: "TM_LOCK_TIMEOUT",
} as const;

type Unhealthy = Record<keyof typeof EXPECTED, Target>;

/**
 * Seven healthy targets and five that cannot be migrated, in waves of 4:
 * [t01 t02 down t03] [t04 missing drift busy] [blocked t05 t06 t07].
 */
async function unhealthyFleet(fleet: Fleet, tags: string[]): Promise<Unhealthy> {
  const at = (i: number) => fleet.targets[i] as Target;
  const healthy = [0, 1, 2, 3, 4, 5, 6].map(at);
  const bad = {
    down: { name: "down", url: `postgres://postgres@127.0.0.1:${await freePort()}/nothing_here` },
    missing: { name: "missing", url: databaseUrl(`tm_fleet_missing_${Date.now()}`) },
    drift: { ...at(7), name: "drift" },
    busy: { ...at(8), name: "busy" },
    blocked: { ...at(9), name: "blocked" },
  };
  // drift: at 0002, and the checksum recorded for 0001 no longer matches its file.
  await migrateTo(bad.drift.url, fleet.migrationsDir, tags[2] as string);
  await runSql(
    bad.drift.url,
    `update drizzle.__drizzle_migrations set hash = repeat('0', 64)
     where id = (select id from drizzle.__drizzle_migrations order by created_at offset 1 limit 1)`,
  );
  // blocked: at 0001, so the pending 0002 alters a table another session holds.
  await migrateTo(bad.blocked.url, fleet.migrationsDir, tags[1] as string);
  const [t01, t02, t03, t04, t05, t06, t07] = healthy as [Target, ...Target[]];
  await fleet.setTargets([
    ...[t01, t02, bad.down, t03, t04, bad.missing, bad.drift, bad.busy],
    ...[bad.blocked, t05, t06, t07],
  ] as Target[]);
  return bad;
}

/** Sessions that keep `busy` (its migration lock) and `blocked` (its users table) locked. */
async function holdLocks(bad: Unhealthy) {
  const holder = postgres(bad.busy.url, { max: 1, onnotice: () => {} });
  const blocker = postgres(bad.blocked.url, { max: 1, onnotice: () => {} });
  const close = () => Promise.all([holder.end({ timeout: 5 }), blocker.end({ timeout: 5 })]);
  try {
    const [row] = await holder<{ pid: number }[]>`
      select pg_backend_pid() as pid, pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const table = await blocker.reserve();
    await table.unsafe("begin");
    await table.unsafe('lock table "users" in access exclusive mode');
    return {
      busyPid: row?.pid,
      releaseTable: async () => {
        await table.unsafe("rollback");
        table.release();
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** --max-failures 0: `down` fails in wave 1, which finishes; waves 2 and 3 never start. */
async function expectHalted(fleet: Fleet, bad: Unhealthy, healthy: Target[], tags: string[]) {
  const halted = await fleet.cli(["fleet", "upgrade", "--wave-size", "4", "--max-failures", "0"]);
  expect(halted.code).toBe(1);
  expect(halted.stderr).toContain("halted before wave 2 of 3");
  expect(halted.stderr).toMatch(
    / {2}down: TM_DB_UNREACHABLE: Target down \(127\.0\.0\.1:\d+\/nothing_here\)/,
  );
  expect(halted.stderr).toContain("[TM_FLEET_HALTED]");
  const counts = await appliedCountsOf([...healthy, bad.drift, bad.busy, bad.blocked]);
  for (const t of healthy.slice(0, 3)) expect(counts[t.name], t.name).toEqual(onceEach(tags));
  for (const t of healthy.slice(3)) expect(counts[t.name], `${t.name} (not started)`).toEqual({});
  expect(counts.drift).toEqual(onceEach(tags.slice(0, 3)));
  expect(counts.blocked).toEqual(onceEach(tags.slice(0, 2)));
}

/** --max-failures 5: every wave runs; the run ends incomplete, each failure with its own code. */
async function expectIncomplete(fleet: Fleet, tags: string[], busyPid: number | undefined) {
  const args = ["fleet", "upgrade", "--wave-size", "4", "--max-failures", "5", "--json"];
  const through = await fleet.cli(args);
  expect(through.code).toBe(1);
  const failure = JSON.parse(through.stdout) as {
    code: string;
    message: string;
    details: { run: FleetView };
  };
  expect(failure.code).toBe("TM_FLEET_INCOMPLETE");
  const { report } = failure.details.run;
  expect(report).toMatchObject({ status: "incomplete", wavesStarted: 3, waveCount: 3 });
  const failed = report.targets.filter((o) => o.status === "failed");
  expect(Object.fromEntries(failed.map((o) => [o.target, o.error?.code]))).toEqual(EXPECTED);
  expect(failure.message).toContain("went through all 3 waves but 5 of 12 targets failed");
  for (const [name, code] of Object.entries(EXPECTED)) expect(failure.message).toContain(`${name}: ${code}`);
  const byName = new Map(report.targets.map((o) => [o.target, o]));
  expect(byName.get("busy")?.error?.message).toContain(`pid ${busyPid}`);
  expect(byName.get("drift")?.error?.message).toContain(`${tags[1]} changed on disk`);
}

/** `fleet status` agrees: who is unreadable, drifted, locked, or stopped at a failure. */
async function expectStatus(fleet: Fleet, healthy: Target[], tags: string[], busyPid: number | undefined) {
  const { code, rows } = await fleetStatusRows(fleet);
  expect(code).toBe(1);
  expect(rows.get("down")?.error?.code).toBe("TM_DB_UNREACHABLE");
  expect(rows.get("missing")?.error?.code).toBe("TM_DB_UNREACHABLE");
  expect(rows.get("drift")).toMatchObject({ drift: { files: 1 }, pending: 2 });
  expect(rows.get("busy")).toMatchObject({ lockHolder: { pid: busyPid }, pending: tags.length });
  expect(rows.get("blocked")).toMatchObject({ current: tags[1], lastFailure: { revision: tags[2] } });
  expect(rows.get("blocked")?.lastFailure?.error).toMatch(/^TM_LOCK_TIMEOUT: /);
  for (const t of healthy) expect(rows.get(t.name), t.name).toMatchObject({ pending: 0, error: null });
}

describe("unreachable, missing, drifted and locked targets", () => {
  useFleets();

  it("fail with their own codes: --max-failures 0 halts after the first wave, 5 lets the run through", {
    timeout: 120_000,
  }, async () => {
    const fleet = await createFleet(10);
    const tags = await migrationTags(fleet.migrationsDir);
    const bad = await unhealthyFleet(fleet, tags);
    const healthy = fleet.targets.filter((t) => /^t\d+$/.test(t.name));
    const locks = await holdLocks(bad);
    try {
      await Promise.all([1, 2].map(() => fleet.worker(FAST_LOCKS)));
      await expectHalted(fleet, bad, healthy, tags);
      await expectIncomplete(fleet, tags, locks.busyPid);
      const counts = await appliedCountsOf(healthy);
      for (const t of healthy) expect(counts[t.name], t.name).toEqual(onceEach(tags));
      // While the table stays locked, status stops waiting after a bounded time and says why.
      const locked = await fleetStatusRows(fleet);
      expect(locked.rows.get("blocked")?.error).toMatchObject({ code: "TM_LOCK_TIMEOUT" });
      expect(locked.rows.get("blocked")?.error?.message).toMatch(/holds an exclusive lock/);
      await locks.releaseTable();
      await expectStatus(fleet, healthy, tags, locks.busyPid);
    } finally {
      await locks.close();
    }
  });
});
