import { randomBytes } from "node:crypto";
import { databaseUrl } from "@tidemark/testkit";
import { freePort } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { createFleet, useFleets } from "./support/fleet.js";
import { dumpPrefix } from "./support/redis-dump.js";

/** Distinctive, and with characters a URL must encode; greps look for its random core in any encoding. */
const CORE = randomBytes(12).toString("hex");
const PASSWORD = `pw-${CORE}@:/%`;

describe("target passwords given through passwordEnv", () => {
  useFleets();

  it("appear nowhere: not in worker logs, CLI output or any Redis key or value of the run", {
    timeout: 120_000,
  }, async () => {
    const fleet = await createFleet(4, { passwordEnv: "TM_E2E_PW" });
    // Two targets that fail, so error paths (connection errors quote URLs) are covered too.
    await fleet.setTargets([
      ...fleet.targets,
      { name: "missing", url: databaseUrl(`tm_fleet_missing_${Date.now()}`), passwordEnv: "TM_E2E_PW" },
      { name: "down", url: `postgres://postgres@127.0.0.1:${await freePort()}/x`, passwordEnv: "TM_E2E_PW" },
    ]);
    // PostgreSQL here trusts local connections, so any password works; without the variable
    // the children would fail with TM_TARGET_PASSWORD, so the applied targets prove it was read.
    const env = { TM_E2E_PW: PASSWORD, LOG_LEVEL: "debug" };
    const workers = await Promise.all([1, 2].map(() => fleet.worker(env)));

    const run = await fleet.cli(["fleet", "upgrade", "--canary-count", "1", "--max-failures", "2"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("[TM_FLEET_INCOMPLETE]");
    expect(run.stdout.match(/ applied {3}t0\d/g)).toHaveLength(4);
    const fleetId = /^Fleet run (\S+): /m.exec(run.stdout)?.[1] ?? "";
    const outputs = [
      run,
      await fleet.cli(["fleet", "status"], env),
      await fleet.cli(["fleet", "status", "--json"], env),
      await fleet.cli(["fleet", "jobs", fleetId, "--json"], env),
      await fleet.cli(["fleet", "upgrade", "--dry-run"], env),
    ];
    // Each command really ran and talked about the targets.
    for (const o of outputs) expect(`${o.stdout}${o.stderr}`).toContain("missing");
    for (const o of outputs) {
      expect(o.stdout).not.toContain(CORE);
      expect(o.stderr).not.toContain(CORE);
    }
    // Between them, the workers logged the work on every target.
    const logs = workers.map((w) => w.output()).join("\n");
    for (const t of fleet.targets) expect(logs).toContain(`"target":"${t.name}"`);
    expect(logs).not.toContain(CORE);

    const redis = await dumpPrefix(fleet.prefix);
    const everything = [...redis].map(([k, v]) => `${k}\n${v}`).join("\n");
    expect(everything).toContain(fleetId);
    expect(everything).toContain("TM_E2E_PW");
    expect(everything).not.toContain(CORE);
  });
});
