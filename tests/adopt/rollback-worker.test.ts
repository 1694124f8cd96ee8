import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { drizzleRows, migrateTo } from "../faults/support/database.js";
import { createScenario, useScenarios } from "../faults/support/scenario.js";

describe("rollback through the worker of a down that adopt could not prove", () => {
  useScenarios();

  it("is refused in the preview without --accept-unverified, and runs in the worker with it", {
    timeout: 120_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    const down = path.join(s.migrationsDir, "0004_set_default_avatar_url.down.sql");
    await writeFile(
      down,
      `-- tidemark:unverified changes data (UPDATE on line 3)\n${await readFile(down, "utf8")}`,
    );
    await s.worker();

    const refused = await s.cli(["rollback", "prev", "--yes"]);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain("This rollback will be refused");
    expect(refused.stdout).not.toContain("A restore point");
    expect(refused.stdout + refused.stderr).toContain("TM_DOWN_UNVERIFIED");
    expect(await drizzleRows(s.db.url)).toHaveLength(5);

    const accepted = await s.cli(["rollback", "prev", "--yes", "--accept-unverified"]);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain("Rolled back 0004_set_default_avatar_url → 0003_add_user_avatar_url");
    expect(await drizzleRows(s.db.url)).toHaveLength(4);
  });
});
