import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { addMigration, editJournal, eventually } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { drizzleRows, historyRows, migrateTo, schemaDump } from "./support/database.js";
import { createScenario, http, type Scenario, useScenarios } from "./support/scenario.js";

/** A pending migration that must never run while the history is inconsistent. */
const PENDING = {
  tag: "0005_add_user_nickname",
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};

/** Everything that must stay byte-for-byte the same when a run is refused. */
async function snapshot(s: Scenario) {
  return {
    schema: await schemaDump(s.db.url),
    history: await historyRows(s.db.url),
    drizzle: await drizzleRows(s.db.url),
  };
}

/** A database at 0004 with one more migration pending. */
async function appliedScenario(): Promise<Scenario> {
  const s = await createScenario();
  await migrateTo(s.db.url, s.migrationsDir);
  await addMigration(s.migrationsDir, PENDING.tag, PENDING.up, PENDING.down);
  return s;
}

describe("case 5: an applied file edited or deleted, or a pending one older than the applied ones", () => {
  useScenarios();

  it("refuses to upgrade when an applied migration was edited, in the worker, the API and the CLI", {
    timeout: 90_000,
  }, async () => {
    const s = await appliedScenario();
    const file = path.join(s.migrationsDir, "0002_increase_username_length.sql");
    await writeFile(file, (await readFile(file, "utf8")).replace("varchar(100)", "varchar(120)"));
    const before = await snapshot(s);

    await s.worker();
    const api = await s.api();
    const degraded = await eventually(async () => {
      const r = await http(`${api.url}/health/ready`);
      return r.status === 503 && r.body.failure ? r.body : null;
    }, "the API to report the changed file");
    expect(degraded.failure).toMatchObject({ code: "TM_CHECKSUM_MISMATCH" });
    expect(JSON.stringify(degraded.failure)).toContain("0002_increase_username_length changed on disk");

    const upgrade = await s.cli(["upgrade", "--yes"]);
    expect(upgrade.code).toBe(1);
    expect(upgrade.stderr).toContain("Applied migration 0002_increase_username_length changed on disk");
    expect(upgrade.stderr).toContain("Restore the original file from version control");
    expect(upgrade.stderr).toContain("[TM_CHECKSUM_MISMATCH]");

    const verify = await s.cli(["verify"]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain("0002_increase_username_length was changed on disk after it was applied");

    // Never re-run, and the pending migration behind it never ran either.
    expect(await snapshot(s)).toEqual(before);
  });

  it("refuses when an applied file is deleted, with or without its journal entry", {
    timeout: 90_000,
  }, async () => {
    const s = await appliedScenario();
    const before = await snapshot(s);
    await rm(path.join(s.migrationsDir, "0003_add_user_avatar_url.sql"));

    const fileGone = await s.cli(["upgrade", "--yes"]);
    expect(fileGone.code).toBe(1);
    expect(fileGone.stderr).toContain("Journal entry 0003_add_user_avatar_url has no file");
    expect(fileGone.stderr).toContain("[TM_JOURNAL_INVALID]");

    await rm(path.join(s.migrationsDir, "0003_add_user_avatar_url.down.sql"));
    await editJournal(s.migrationsDir, (j) => {
      j.entries = j.entries.filter((e) => e.tag !== "0003_add_user_avatar_url");
    });
    const entryGone = await s.cli(["upgrade", "--yes"]);
    expect(entryGone.code).toBe(1);
    expect(entryGone.stderr).toMatch(/1 applied migration\(s\) that are not in the journal \(unknown@\d+\)/);
    expect(entryGone.stderr).toContain("[TM_MIGRATION_MISSING]");

    expect(await snapshot(s)).toEqual(before);
  });

  it("refuses a pending migration whose timestamp is older than the newest applied one", {
    timeout: 90_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    await addMigration(s.migrationsDir, PENDING.tag, PENDING.up, PENDING.down);
    // Merged late: its `when` predates 0004, which is already applied.
    await editJournal(s.migrationsDir, (j) => {
      const late = j.entries.find((e) => e.tag === PENDING.tag);
      const old = j.entries.find((e) => e.tag === "0003_add_user_avatar_url");
      if (late && old) late.when = old.when + 1;
    });
    const before = await snapshot(s);
    await s.worker();

    const upgrade = await s.cli(["upgrade", "--yes"]);
    expect(upgrade.code).toBe(1);
    expect(upgrade.stderr).toContain(`Migration ${PENDING.tag} is older than the newest applied one`);
    expect(upgrade.stderr).toContain("[TM_LATE_MIGRATION]");
    const status = JSON.parse((await s.cli(["status", "--json"])).stdout);
    expect(status.late).toEqual([PENDING.tag]);

    expect(await snapshot(s)).toEqual(before);
  });
});
