import { describe, expect, it } from "vitest";
import { createFleet, mapLimit, type Target, useFleets } from "./support/fleet.js";
import { appliedCountsOf, appliedSpan, fleetStatusRows, migrationTags, onceEach } from "./support/targets.js";

/** No target of a wave started migrating before every target of the wave before it had finished. */
async function expectWavesInOrder(waves: Target[][]) {
  const spans = await Promise.all(waves.map((w) => mapLimit(w, 6, (t) => appliedSpan(t.url))));
  for (let i = 1; i < spans.length; i++) {
    const previousEnd = Math.max(...(spans[i - 1] ?? []).map((s) => s.end));
    const start = Math.min(...(spans[i] ?? []).map((s) => s.start));
    expect(start, `wave ${i + 1} starts after wave ${i} ends`).toBeGreaterThan(previousEnd);
  }
}

describe("fleet upgrade of 50 databases through 3 workers", () => {
  useFleets();

  it("brings every target to the newest revision, applying each migration once per target", {
    timeout: 120_000,
  }, async () => {
    const fleet = await createFleet(50);
    const tags = await migrationTags(fleet.migrationsDir);
    const latest = tags.at(-1);
    const workers = await Promise.all([1, 2, 3].map(() => fleet.worker({ TIDEMARK_FLEET_CONCURRENCY: "4" })));

    const run = await fleet.cli(["fleet", "upgrade", "--canary-count", "2", "--wave-size", "16"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // Canaries, then 48 targets in waves of 16.
    expect(run.stdout).toMatch(/Fleet run \S+ completed: 50\/50 done · 0 failed · 0 running · wave 4\/4/);
    for (const t of fleet.targets) {
      expect(run.stdout).toMatch(new RegExp(`applied\\s+${t.name}\\s+\\(base\\) → ${latest} \\(5 steps\\)`));
    }

    const bounds = [
      [0, 2],
      [2, 18],
      [18, 34],
      [34, 50],
    ] as const;
    await expectWavesInOrder(bounds.map(([from, to]) => fleet.targets.slice(from, to)));

    const counts = await appliedCountsOf(fleet.targets);
    for (const t of fleet.targets) expect(counts[t.name], t.name).toEqual(onceEach(tags));

    const status = await fleetStatusRows(fleet);
    expect(status.code).toBe(0);
    expect([...status.rows.keys()]).toEqual(fleet.targets.map((t) => t.name));
    for (const row of status.rows.values()) {
      expect(row).toMatchObject({ reachable: true, current: latest, latest, pending: 0, error: null });
      expect(row.drift).toEqual({ files: 0, schema: "clean" });
    }

    // Every worker took part: the fleet queue really spreads targets across processes.
    const childDone = (l: { msg?: string; queue?: unknown }) =>
      l.msg === "job completed" && l.queue === "migrations-fleet";
    for (const w of workers) expect(w.logged(childDone).length, w.name).toBeGreaterThan(0);
  });
});
