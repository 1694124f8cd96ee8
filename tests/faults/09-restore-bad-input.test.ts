import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { backup } from "@tidemark/migrate";
import { beforeAll, describe, expect, it } from "vitest";
import { historyRows, migrateTo, schemaDump, setupContext, withSql } from "./support/database.js";
import { createScenario, type Scenario, useScenarios } from "./support/scenario.js";

const exec = promisify(execFile);

/** Everything a refused restore must leave exactly as it was. */
async function snapshot(s: Scenario) {
  const counts = await withSql(
    s.db.url,
    (sql) =>
      sql`select (select count(*)::int from users) as users, (select count(*)::int from categories) as categories`,
  );
  return {
    schema: await schemaDump(s.db.url),
    counts: counts[0],
    history: await historyRows(s.db.url),
    files: (await readdir(s.backupDir)).sort(),
  };
}

describe("case 9: restore from a truncated dump, plain text, a newer pg_dump's dump, a path outside BACKUP_DIR", () => {
  // One database, backup dir and worker for the whole file: each case must leave them unchanged.
  useScenarios({ perFile: true });
  let s: Scenario;
  let good: { file: string; bytes: Buffer; sidecar: Record<string, unknown> };

  /** Put `bytes` into BACKUP_DIR as `name`, with a sidecar that matches them (or `sidecar` as given). */
  async function plant(name: string, bytes: Buffer, sidecar?: Record<string, unknown> | null): Promise<void> {
    await writeFile(path.join(s.backupDir, name), bytes, { mode: 0o600 });
    if (sidecar === null) return;
    const matching = {
      ...good.sidecar,
      name,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
    };
    await writeFile(
      path.join(s.backupDir, name.replace(/\.dump$/, ".json")),
      JSON.stringify(sidecar ?? matching),
    );
  }

  /** Restore `file` through the CLI and the worker; it must be refused with `code`, changing nothing. */
  async function refused(file: string, codes: string[], message: string | RegExp): Promise<void> {
    const before = await snapshot(s);
    const run = await s.cli(["restore", file, "--yes"]);
    expect(run.code === 1 || run.code === 2, `exit ${run.code}: ${run.stderr}`).toBe(true);
    expect(
      codes.some((c) => run.stderr.includes(`[${c}]`)),
      run.stderr,
    ).toBe(true);
    if (typeof message === "string") expect(run.stderr).toContain(message);
    else expect(run.stderr).toMatch(message);
    expect(await snapshot(s)).toEqual(before);
  }

  beforeAll(async () => {
    s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    await withSql(s.db.url, async (sql) => {
      await sql`insert into users (username, email) select 'u' || g, 'u' || g || '@example.com' from generate_series(1, 50) g`;
      await sql`insert into categories (name) values ('books'), ('music')`;
    });
    const info = await backup(setupContext(s.db.url, s.migrationsDir, s.backupDir), { label: "good" });
    const { file, ...sidecar } = info;
    good = { file, bytes: await readFile(file), sidecar };
    await s.worker();
  });

  it("refuses a truncated dump whose sidecar records the full size", { timeout: 60_000 }, async () => {
    await plant("cut.dump", good.bytes.subarray(0, Math.floor(good.bytes.length / 2)), {
      ...good.sidecar,
      name: "cut.dump",
    });
    await refused(
      "cut.dump",
      ["TM_BACKUP_INVALID"],
      /is \d+ bytes but its sidecar records \d+: the dump is truncated/,
    );
  });

  it("refuses a truncated dump even with a sidecar forged to match it", { timeout: 60_000 }, async () => {
    // The table of contents survives, so only the restore itself can notice; it runs in one
    // transaction, so the database is untouched (a safety backup may have been written first).
    await plant("cut-forged.dump", good.bytes.subarray(0, good.bytes.length - 200));
    const before = await snapshot(s);
    const run = await s.cli(["restore", "cut-forged.dump", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\[TM_(BACKUP_INVALID|RESTORE_FAILED)\]/);
    const after = await snapshot(s);
    expect({ ...after, history: undefined, files: undefined }).toEqual({
      ...before,
      history: undefined,
      files: undefined,
    });
    expect(after.history.filter((r) => r.status === "ok")).toEqual(
      before.history.filter((r) => r.status === "ok"),
    );
  });

  it("refuses a plain-text SQL file, with or without a sidecar", { timeout: 60_000 }, async () => {
    const { stdout } = await exec("pg_dump", ["--schema-only", `--dbname=${s.db.url}`], {
      maxBuffer: 1 << 24,
    });
    await plant("plain.dump", Buffer.from(stdout));
    await refused("plain.dump", ["TM_BACKUP_INVALID"], "is not a dump pg_restore can read");
    await plant("plain-bare.dump", Buffer.from(stdout), null);
    await refused("plain-bare.dump", ["TM_BACKUP_INVALID"], "has no valid .json sidecar");
  });

  it("refuses a dump written by a newer pg_dump, naming the archive version", {
    timeout: 60_000,
  }, async () => {
    // Custom-format header: "PGDMP", then the archive version; PostgreSQL 17's pg_dump writes 1.16.
    const newer = Buffer.from(good.bytes);
    expect(newer.subarray(0, 5).toString()).toBe("PGDMP");
    newer[6] = 16;
    await plant("newer.dump", newer, undefined);
    await refused("newer.dump", ["TM_BACKUP_INVALID"], /unsupported version \(1\.16\) in file header/);
  });

  it("refuses paths outside BACKUP_DIR: ../x, an absolute path and a symlink out", {
    timeout: 60_000,
  }, async () => {
    const outside = path.join(path.dirname(s.backupDir), "outside.dump");
    await writeFile(outside, good.bytes);
    await writeFile(
      outside.replace(/\.dump$/, ".json"),
      JSON.stringify({ ...good.sidecar, name: "outside.dump" }),
    );
    await refused("../outside.dump", ["TM_BACKUP_PATH"], "is not inside BACKUP_DIR");
    await refused(outside, ["TM_BACKUP_PATH"], "is not inside BACKUP_DIR");
    await refused("/etc/hostname", ["TM_BACKUP_PATH"], "is not inside BACKUP_DIR");
    await symlink(outside, path.join(s.backupDir, "link.dump"));
    await refused("link.dump", ["TM_BACKUP_PATH"], "is not inside BACKUP_DIR");
  });

  it("still restores the good backup afterwards", { timeout: 60_000 }, async () => {
    await withSql(s.db.url, (sql) => sql`delete from users where id > 10`);
    const run = await s.cli(["restore", path.basename(good.file), "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    const counts = await withSql(s.db.url, (sql) => sql`select count(*)::int as n from users`);
    expect(counts[0]?.n).toBe(50);
  });
});
