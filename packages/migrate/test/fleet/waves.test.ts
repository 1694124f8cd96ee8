import { describe, expect, it } from "vitest";
import { planWaves } from "../../src/fleet/waves.js";
import { caught } from "./support.js";

const fleet = ["a", "b", "c", "d", "e", "f", "g"].map((name) => ({ name, url: `postgres://h/${name}` }));

describe("planWaves", () => {
  it("puts every target in one wave by default", () => {
    expect(planWaves(fleet, {})).toEqual({ canary: [], waves: [["a", "b", "c", "d", "e", "f", "g"]] });
  });

  it("takes named canaries first in the order given, then the rest in list order by wave size", () => {
    expect(planWaves(fleet, { canary: ["e", "b"], waveSize: 2 })).toEqual({
      canary: ["e", "b"],
      waves: [["a", "c"], ["d", "f"], ["g"]],
    });
  });

  it("takes the first N as canaries with canaryCount", () => {
    expect(planWaves(fleet, { canaryCount: 2, waveSize: 3 })).toEqual({
      canary: ["a", "b"],
      waves: [
        ["c", "d", "e"],
        ["f", "g"],
      ],
    });
    expect(planWaves(fleet, { canaryCount: 0 }).canary).toEqual([]);
  });

  it("never produces an empty wave", () => {
    expect(planWaves(fleet, { canaryCount: 7 })).toEqual({ canary: fleet.map((t) => t.name), waves: [] });
    expect(planWaves(fleet.slice(0, 1), { canary: ["a"], waveSize: 5 }).waves).toEqual([]);
    expect(planWaves([], {})).toEqual({ canary: [], waves: [] });
    expect(planWaves(fleet, { waveSize: 7 }).waves).toHaveLength(1);
  });

  it("refuses an unknown canary with TM_TARGET_UNKNOWN", async () => {
    const err = await caught(() => planWaves(fleet, { canary: ["a", "nope"] }));
    expect(err.code).toBe("TM_TARGET_UNKNOWN");
    expect(err.message).toContain('"nope"');
  });

  it("refuses contradictory or meaningless options with TM_USAGE", async () => {
    const cases = [
      { canary: ["a"], canaryCount: 1 },
      { canary: ["a", "a"] },
      { canaryCount: 8 },
      { canaryCount: -1 },
      { waveSize: 0 },
      { waveSize: 1.5 },
    ];
    for (const options of cases) {
      expect((await caught(() => planWaves(fleet, options))).code, JSON.stringify(options)).toBe("TM_USAGE");
    }
    expect((await caught(() => planWaves(fleet, cases[0] ?? {}))).message).toContain(
      "--canary and --canary-count",
    );
  });
});
