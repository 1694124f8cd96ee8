import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drizzleRows, historyRows, migrateTo, schemaDump, withSql } from "./support/database.js";
import { createScenario, type Scenario, useScenarios } from "./support/scenario.js";

const exec = promisify(execFile);

/** Enough incompressible rows that the dump cannot fit in 256 KiB. */
async function fillUsers(s: Scenario): Promise<void> {
  await withSql(
    s.db.url,
    (sql) => sql`
      insert into users (username, email)
      select 'user_' || g, md5(random()::text) || md5(random()::text) || '@example.com'
      from generate_series(1, 20000) g`,
  );
}

/** What a refused rollback must leave as it was. */
async function snapshot(s: Scenario) {
  return {
    schema: await schemaDump(s.db.url),
    drizzle: await drizzleRows(s.db.url),
    history: await historyRows(s.db.url),
  };
}

describe("case 10: the disk fills up (or BACKUP_DIR is unusable) during the pre-rollback backup", () => {
  useScenarios();
  let full: string;
  let mounted = false;

  beforeAll(async () => {
    full = await mkdtemp(path.join(tmpdir(), "tm-faults-full-"));
    // A 256 KiB tmpfs is a disk that really fills up. Mounting needs root (CI runs as root);
    // elsewhere the worker runs under a 256 KiB file-size limit, which pg_dump hits the same way.
    mounted = await exec("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", full]).then(
      () => true,
      () => false,
    );
  });

  afterAll(async () => {
    if (mounted) await exec("umount", [full]).catch(() => exec("umount", ["-l", full]));
    await rm(full, { recursive: true, force: true });
  });

  it("removes the partial dump and never starts the rollback", { timeout: 90_000 }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    await fillUsers(s);
    const before = await snapshot(s);
    const env = { BACKUP_DIR: full };
    await s.worker(env, { limitFileSize: mounted ? undefined : 256 * 1024 });

    const run = await s.cli(["rollback", "prev", "--yes"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Backup of ${s.db.name} into ${full} failed`);
    if (mounted) expect(run.stderr).toContain("No space left on device");
    expect(run.stderr).toContain("Nothing was kept");
    expect(run.stderr).toContain("[TM_BACKUP_FAILED]");

    // No partial file, no sidecar, and the rollback never began.
    expect(await readdir(full)).toEqual([]);
    expect(await snapshot(s)).toEqual(before);
    const count = await withSql(s.db.url, (sql) => sql`select count(*)::int as n from users`);
    expect(count[0]?.n).toBe(20000);
  });

  it("refuses the rollback when BACKUP_DIR cannot be created", { timeout: 90_000 }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    const before = await snapshot(s);
    // Even root cannot create a directory below a regular file.
    const file = path.join(s.backupDir, "not-a-directory");
    await writeFile(file, "");
    const env = { BACKUP_DIR: path.join(file, "backups") };
    await s.worker(env);

    const run = await s.cli(["rollback", "prev", "--yes"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ENOTDIR");
    expect(run.stderr).toContain("check that BACKUP_DIR is a writable directory");
    expect(run.stderr).toContain("[TM_BACKUP_FAILED]");
    expect(await snapshot(s)).toEqual(before);
  });
});
