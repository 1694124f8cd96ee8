import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { migrationsDir } from "@tidemark/db";
import { adminUrl, createTempDatabase, dropDatabase, tempDir } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backup } from "../../src/backup/backup.js";
import { restore } from "../../src/backup/restore.js";
import { type BackupInfo, hashFile, listBackups, writeSidecar } from "../../src/backup/store.js";
import { history } from "../../src/commands/history.js";
import { rollback } from "../../src/commands/rollback.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { withMigrationLock } from "../../src/lock.js";
import { closeTestDatabases, createTestDatabase } from "../../src/testing/index.js";
import type { ProgressEvent } from "../../src/types.js";
import { backupContext, expectCode, fingerprint, runSql, seedRows } from "./helpers.js";

const exec = promisify(execFile);
let db: { name: string; url: string };
let tmp: { dir: string; cleanup: () => Promise<void> };
let dir: string;

beforeAll(async () => {
  // A copy of the seed history's template: migrated exactly as upgrade() leaves a database.
  db = await createTestDatabase({ migrationsDir, serverUrl: adminUrl, prefix: "tm_restore" });
  tmp = await tempDir("tm-restore-");
  dir = path.join(tmp.dir, "backups");
  await seedRows(db.url);
});
afterAll(async () => {
  await dropDatabase(db.name);
  await closeTestDatabases();
  await tmp.cleanup();
});

/** Copy a backup's dump to `target` with a sidecar that describes the copy's actual bytes. */
async function withHonestSidecar(target: string, bytes: Buffer | string, like: BackupInfo): Promise<void> {
  await writeFile(target, bytes, { mode: 0o600 });
  const { sha256, size } = await hashFile(target);
  await writeSidecar({ ...like, file: target, name: path.basename(target), sha256, size });
}

describe("restore round trip", () => {
  it("brings back every table's rows and the exact schema after tables were dropped and altered", async () => {
    const { ctx } = backupContext(db.url, dir);
    const before = await fingerprint(db.url);
    expect(before.rows["public.users"]).toBe(50);
    expect(before.rows["public.categories"]).toBe(10);
    const good = await backup(ctx, { label: "round trip" });

    await runSql(db.url, "drop table categories");
    await runSql(db.url, "alter table users add column junk int; delete from users where id % 2 = 0");
    await runSql(db.url, "delete from drizzle.__drizzle_migrations where id > 2");
    expect(await fingerprint(db.url)).not.toEqual(before);

    const events: ProgressEvent[] = [];
    const report = await restore(ctx, { file: good.name, onProgress: (e) => events.push(e) });
    expect(await fingerprint(db.url)).toEqual(before);
    expect(report).toMatchObject({
      file: good.file,
      revision: "0004_set_default_avatar_url",
      pending: [],
      extraTables: [],
    });
    expect(events.map((e) => e.type)).toEqual(["backup", "step-start", "step-done"]);

    const safety = (await listBackups(dir)).find((b) => b.file === report.safetyBackup);
    expect(safety).toMatchObject({ reason: "safety", revision: "0001_add_categories_table" });
    const [last] = await history(ctx, { limit: 1 });
    expect(last).toMatchObject({
      direction: "restore",
      status: "ok",
      revision: "0004_set_default_avatar_url",
      backupFile: report.safetyBackup,
      checksum: good.sha256,
    });
  });

  it("reports tables the dump does not know about instead of silently keeping them", async () => {
    const { ctx, logger } = backupContext(db.url, dir);
    const good = await backup(ctx);
    await runSql(db.url, "create table scratch (id int)");
    const report = await restore(ctx, { file: good.name, noBackup: true });
    expect(report.extraTables).toEqual(["public.scratch"]);
    expect(report.safetyBackup).toBeNull();
    expect(logger.lines.some((l) => l.event === "restore.extra_tables")).toBe(true);
    await runSql(db.url, "drop table scratch");
  });
});

describe("restore refuses bad input before touching the database", () => {
  let good: BackupInfo;
  let outside: string;

  beforeAll(async () => {
    good = await backup(backupContext(db.url, dir).ctx);
    // Diverge from the dump, so a restore that ran would show.
    await runSql(db.url, "insert into categories (name) values ('added after the backup')");
    const bytes = await readFile(good.file);
    outside = path.join(tmp.dir, "outside");
    await mkdir(outside, { recursive: true });

    const flipped = Buffer.from(bytes);
    const mid = Math.floor(flipped.length / 2);
    flipped[mid] = (flipped[mid] ?? 0) ^ 0xff;
    await writeFile(path.join(dir, "wrong-hash.dump"), flipped);
    await copyFile(good.file.replace(/\.dump$/, ".json"), path.join(dir, "wrong-hash.json"));

    await writeFile(path.join(dir, "truncated.dump"), bytes.subarray(0, mid));
    await copyFile(good.file.replace(/\.dump$/, ".json"), path.join(dir, "truncated.json"));

    await withHonestSidecar(path.join(dir, "truncated-header.dump"), bytes.subarray(0, 300), good);
    // Cut inside the last table's data: the header and table of contents stay readable.
    await withHonestSidecar(
      path.join(dir, "truncated-data.dump"),
      bytes.subarray(0, bytes.length - 20),
      good,
    );
    const { stdout: plainSql } = await exec("pg_dump", ["--format=plain", db.url], { maxBuffer: 64 << 20 });
    await withHonestSidecar(path.join(dir, "plain.dump"), plainSql, good);
    await writeFile(path.join(dir, "no-sidecar.dump"), bytes);

    // Perfectly valid backups, but outside BACKUP_DIR.
    await withHonestSidecar(path.join(tmp.dir, "x.dump"), bytes, good);
    await withHonestSidecar(path.join(outside, "abs.dump"), bytes, good);
    await symlink(path.join(outside, "abs.dump"), path.join(dir, "link-out.dump"));
    await mkdir(path.join(tmp.dir, "empty-bin"), { recursive: true });
    // Client tools that work, except that every dump fails (as on a full disk).
    const failing = path.join(tmp.dir, "failing-bin");
    await mkdir(failing, { recursive: true });
    const dumpScript =
      '[ "$1" = --version ] && exec pg_dump --version\necho "pg_dump: error: simulated" >&2\nexit 1';
    await writeFile(path.join(failing, "pg_dump"), `#!/bin/sh\n${dumpScript}\n`, { mode: 0o755 });
    await writeFile(path.join(failing, "pg_restore"), '#!/bin/sh\nexec pg_restore "$@"\n', { mode: 0o755 });
  });

  async function expectRejected(file: string, code: string, extra: { pgBin?: string } = {}): Promise<string> {
    const { ctx } = backupContext(db.url, dir);
    const before = await fingerprint(db.url);
    const files = (await readdir(dir)).sort();
    const err = await expectCode(restore(ctx, { file, ...extra }), code);
    expect(await fingerprint(db.url)).toEqual(before);
    // Not even a safety backup was taken: nothing happened.
    expect((await readdir(dir)).sort()).toEqual(files);
    return err.message;
  }

  it("rejects a dump whose bytes differ from its sidecar's sha256", async () => {
    expect(await expectRejected("wrong-hash.dump", "TM_BACKUP_INVALID")).toContain("sha256");
  });

  it("rejects a truncated dump by its size", async () => {
    expect(await expectRejected("truncated.dump", "TM_BACKUP_INVALID")).toContain("truncated");
  });

  it("rejects a dump truncated inside its header even when the sidecar matches it", async () => {
    expect(await expectRejected("truncated-header.dump", "TM_BACKUP_INVALID")).toContain("pg_restore");
  });

  it("rejects a plain-text SQL dump", async () => {
    expect(await expectRejected("plain.dump", "TM_BACKUP_INVALID")).toMatch(/text format|not a dump/);
  });

  it("rejects a dump that has no sidecar to verify it against", async () => {
    expect(await expectRejected("no-sidecar.dump", "TM_BACKUP_INVALID")).toContain("sidecar");
  });

  it("rejects ../x, an absolute path elsewhere and a symlink out of BACKUP_DIR", async () => {
    await expectRejected("../x.dump", "TM_BACKUP_PATH");
    await expectRejected(path.join(outside, "abs.dump"), "TM_BACKUP_PATH");
    await expectRejected("link-out.dump", "TM_BACKUP_PATH");
  });

  it("rejects a restore when pg_restore is not installed", async () => {
    const message = await expectRejected(good.name, "TM_PG_TOOL", { pgBin: path.join(tmp.dir, "empty-bin") });
    expect(message).toContain("postgresql-client-");
  });

  it("does not start when the safety backup cannot be taken, and says how to skip it", async () => {
    const message = await expectRejected(good.name, "TM_BACKUP_FAILED", {
      pgBin: path.join(tmp.dir, "failing-bin"),
    });
    expect(message).toContain("Restore not started");
    expect(message).toContain("--no-backup");
  });

  it("rolls back a dump truncated in its data, leaving the tables as they were and the failure recorded", async () => {
    const { ctx } = backupContext(db.url, dir);
    const before = await fingerprint(db.url);
    const err = await expectCode(restore(ctx, { file: "truncated-data.dump" }), "TM_RESTORE_FAILED");
    expect(await fingerprint(db.url)).toEqual(before);
    const safety = (await listBackups(dir)).find(
      (b) => b.reason === "safety" && err.message.includes(b.name),
    );
    expect(safety).toBeDefined();
    const [last] = await history(ctx, { limit: 1 });
    expect(last).toMatchObject({ direction: "restore", status: "failed" });
  });
});

describe("restore and the migration lock", () => {
  it("waits while another session holds the migration lock, then runs", async () => {
    const { ctx, logger } = backupContext(db.url, dir);
    const good = await backup(ctx);
    await runSql(db.url, "insert into categories (name) values ('to be undone')");
    const expected = (await fingerprint(db.url)).rows["public.categories"];

    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    const order: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holding = withMigrationLock(holder, ctx, async () => {
      locked();
      await held;
      order.push("lock released");
    });
    await isLocked;

    const restoring = restore(ctx, { file: good.name, noBackup: true }).then((r) => {
      order.push("restored");
      return r;
    });
    // Wait until the restore is queued behind the lock; meanwhile the database must not change.
    while (!logger.lines.some((l) => /waiting/i.test(l.msg ?? "")))
      await new Promise((r) => setTimeout(r, 20));
    expect((await fingerprint(db.url)).rows["public.categories"]).toBe(expected);
    release();
    await holding;
    await restoring;
    await holder.end();

    expect(order).toEqual(["lock released", "restored"]);
    expect((await fingerprint(db.url)).rows["public.categories"]).toBe((expected ?? 0) - 1);
  });
});

describe("restore points and the audit trail", () => {
  it("restores the data a rollback dropped from the rollback's restore point, keeping every history row", async () => {
    const { ctx } = backupContext(db.url, dir);
    const avatars = async () =>
      (await runSql<{ n: number }>(db.url, "select count(avatar_url)::int as n from users"))[0]?.n;
    expect(await avatars()).toBe(50);
    const run = await rollback(ctx, { to: "0002_increase_username_length" });
    expect(run.backupFile).toBeDefined();
    const point = (await listBackups(dir)).find((b) => b.file === run.backupFile);
    expect(point?.reason).toBe("restore-point");
    const beforeRestore = await history(ctx, { limit: 1000 });

    const report = await restore(ctx, { file: path.basename(run.backupFile ?? "") });
    expect(await avatars()).toBe(50);
    expect(report.revision).toBe("0004_set_default_avatar_url");

    const after = await history(ctx, { limit: 1000 });
    const key = (h: (typeof after)[number]) => `${h.startedAt}|${h.revision}|${h.direction}|${h.status}`;
    // Everything recorded before, including the rollback's 'down' rows the dump predates, plus the restore.
    expect(after.slice(1).map(key)).toEqual(beforeRestore.map(key));
    expect(after[0]).toMatchObject({ direction: "restore", backupFile: report.safetyBackup });
    expect(beforeRestore.filter((h) => h.direction === "down")).toHaveLength(2);

    // Restoring the same dump again neither loses nor duplicates anything.
    await restore(ctx, { file: path.basename(run.backupFile ?? ""), noBackup: true });
    const again = await history(ctx, { limit: 1000 });
    expect(again.slice(1).map(key)).toEqual(after.map(key));
  });

  it("recreates a database that was dropped and restores into it", async () => {
    const other = await createTempDatabase("tm_restore_dropped");
    try {
      const { ctx } = backupContext(other.url, path.join(tmp.dir, "dropped"));
      await upgrade(ctx);
      await seedRows(other.url, 7, 3);
      const before = await fingerprint(other.url);
      const good = await backup(ctx);
      await dropDatabase(other.name);
      const report = await restore(ctx, { file: good.name });
      expect(await fingerprint(other.url)).toEqual(before);
      expect(report.pending).toEqual([]);
    } finally {
      await dropDatabase(other.name);
    }
  });
});
