import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import { adminUrl, createTempDatabase, dropDatabase, tempDir } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backup } from "../../src/backup/backup.js";
import { checkPgTools } from "../../src/backup/pgtools.js";
import { hashFile, listBackups } from "../../src/backup/store.js";
import { closeTestDatabases, createTestDatabase } from "../../src/testing/index.js";
import { backupContext, expectCode, mountTmpfs, runSql, seedRows } from "./helpers.js";

let db: { name: string; url: string };
let tmp: { dir: string; cleanup: () => Promise<void> };
const NAME = /^(.+)_(\d{8}T\d{6}Z)_(.+?)(-\d+)?\.dump$/;

beforeAll(async () => {
  // A copy of the seed history's template: migrated exactly as upgrade() leaves a database.
  db = await createTestDatabase({ migrationsDir, serverUrl: adminUrl, prefix: "tm_backup" });
  tmp = await tempDir("tm-backup-");
  await seedRows(db.url);
});
afterAll(async () => {
  await dropDatabase(db.name);
  await closeTestDatabases();
  await tmp.cleanup();
});

describe("backup", () => {
  it("writes a 0600 custom-format dump named <db>_<UTC stamp>_<revision>.dump with a matching 0600 sidecar", async () => {
    const dir = path.join(tmp.dir, "plain");
    const { ctx } = backupContext(db.url, dir);
    const info = await backup(ctx, { label: "before the release" });

    const m = NAME.exec(info.name);
    expect(m?.[1]).toBe(db.name);
    expect(m?.[3]).toBe("0004_set_default_avatar_url");
    expect(info.file).toBe(path.join(dir, info.name));
    expect(info.revision).toBe("0004_set_default_avatar_url");
    expect((await stat(info.file)).mode & 0o777).toBe(0o600);
    const sidecarFile = info.file.replace(/\.dump$/, ".json");
    expect((await stat(sidecarFile)).mode & 0o777).toBe(0o600);

    const { file, ...expected } = info;
    expect(JSON.parse(await readFile(sidecarFile, "utf8"))).toEqual(expected);
    expect(await hashFile(info.file)).toEqual({ sha256: info.sha256, size: info.size });
    expect(info.serverVersion).toMatch(/^\d+/);
    expect(info.label).toBe("before the release");
    // pg_dump's custom format starts with the PGDMP magic.
    expect((await readFile(info.file)).subarray(0, 5).toString()).toBe("PGDMP");
    // No temp file is left next to it.
    expect((await readdir(dir)).sort()).toEqual([info.name, path.basename(sidecarFile)].sort());
  });

  it("gives two backups taken in the same second distinct names that keep the pattern", async () => {
    const dir = path.join(tmp.dir, "same-second");
    const { ctx } = backupContext(db.url, dir);
    const infos = await Promise.all([backup(ctx), backup(ctx), backup(ctx)]);
    const names = infos.map((i) => i.name);
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n).toMatch(NAME);
    expect((await listBackups(dir)).map((b) => b.name).sort()).toEqual([...names].sort());
  });

  it("records base as the revision of a database that was never migrated", async () => {
    const empty = await createTempDatabase("tm_backup_empty");
    try {
      const dir = path.join(tmp.dir, "empty");
      const info = await backup(backupContext(empty.url, dir).ctx);
      expect(info.revision).toBeNull();
      expect(info.name).toMatch(/_base\.dump$/);
    } finally {
      await dropDatabase(empty.name);
    }
  });

  it("keeps the newest BACKUP_KEEP backups and always the newest restore point", async () => {
    const dir = path.join(tmp.dir, "retention");
    const { ctx } = backupContext(db.url, dir, { backupKeep: 2 });
    const point = await backup(ctx, { reason: "restore-point" });
    const manual = [];
    for (let i = 0; i < 3; i++) manual.push(await backup(ctx, { label: `manual ${i}` }));
    const left = (await listBackups(dir)).map((b) => b.name);
    expect(left).toEqual([manual[2]?.name, manual[1]?.name, point.name]);
    expect(await readdir(dir)).not.toContain(manual[0]?.name.replace(/\.dump$/, ".json"));
  });

  it("reports a missing pg_dump as TM_PG_TOOL naming the client package, and writes nothing", async () => {
    const dir = path.join(tmp.dir, "no-tool");
    const emptyBin = path.join(tmp.dir, "empty-bin");
    await mkdir(emptyBin, { recursive: true });
    const err = await expectCode(backup(backupContext(db.url, dir).ctx, { pgBin: emptyBin }), "TM_PG_TOOL");
    const { server } = await checkPgTools(db.url);
    expect(err.message).toContain(`postgresql-client-${server.split(".")[0]}`);
    expect(await listBackups(dir)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a pg_dump older than the server and says which version is needed", async () => {
    const fakeBin = path.join(tmp.dir, "old-bin");
    await mkdir(fakeBin, { recursive: true });
    for (const tool of ["pg_dump", "pg_restore"]) {
      await writeFile(path.join(fakeBin, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) 9.6.24"\n`);
      await chmod(path.join(fakeBin, tool), 0o755);
    }
    const dir = path.join(tmp.dir, "old-tool");
    const err = await expectCode(backup(backupContext(db.url, dir).ctx, { pgBin: fakeBin }), "TM_PG_TOOL");
    const { server } = await checkPgTools(db.url);
    expect(err.message).toContain(`pg_dump ${server.split(".")[0]} or newer is needed`);
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails with TM_BACKUP_FAILED when BACKUP_DIR cannot be created, leaving nothing behind", async () => {
    const blocker = path.join(tmp.dir, "a-regular-file");
    await writeFile(blocker, "not a directory");
    const err = await expectCode(
      backup(backupContext(db.url, path.join(blocker, "backups")).ctx),
      "TM_BACKUP_FAILED",
    );
    expect((err.cause as NodeJS.ErrnoException).code).toBe("ENOTDIR");
    expect(await readFile(blocker, "utf8")).toBe("not a directory");
  });
});

// Root can write through any mode bits, so a read-only or full file system is the honest way
// to make BACKUP_DIR unwritable. Mounting needs root (CI here runs as root).
const probe = await tempDir("tm-mount-probe-");
const unmountProbe = await mountTmpfs(probe.dir, "size=64k");
await unmountProbe?.();
await probe.cleanup();

describe.runIf(unmountProbe !== null)("backup on a file system that refuses the write", () => {
  it("fails with TM_BACKUP_FAILED on a read-only BACKUP_DIR and records nothing", async () => {
    const dir = path.join(tmp.dir, "ro");
    const unmount = await mountTmpfs(dir, "ro,size=64k");
    try {
      const err = await expectCode(backup(backupContext(db.url, dir).ctx), "TM_BACKUP_FAILED");
      expect((err.cause as NodeJS.ErrnoException).code).toBe("EROFS");
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await unmount?.();
    }
  });

  it("removes the partial dump when the disk fills up and reports pg_dump's error", async () => {
    // Enough incompressible rows that the dump cannot fit in 64 kB.
    await runSql(
      db.url,
      `insert into categories (name) select left(md5(random()::text) || md5(random()::text), 50) from generate_series(1, 5000)`,
    );
    const dir = path.join(tmp.dir, "full");
    const unmount = await mountTmpfs(dir, "size=64k");
    try {
      const err = await expectCode(backup(backupContext(db.url, dir).ctx), "TM_BACKUP_FAILED");
      expect(err.message).toMatch(/No space left on device|could not write/i);
      expect(await readdir(dir)).toEqual([]);
      expect(await listBackups(dir)).toEqual([]);
    } finally {
      await unmount?.();
      await runSql(db.url, "delete from categories where id > 10");
    }
  });
});
