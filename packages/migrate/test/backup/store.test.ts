import { access, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishFile } from "../../src/backup/backup.js";
import { resolveBackupFile } from "../../src/backup/confine.js";
import { holdBackupFile } from "../../src/backup/in-use.js";
import { majorVersion, withToolConnection } from "../../src/backup/pgtools.js";
import {
  type BackupInfo,
  backupFileName,
  listBackups,
  pruneBackups,
  writeSidecar,
} from "../../src/backup/store.js";
import { TidemarkError } from "../../src/errors.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("tm-store-");
});
afterAll(async () => tmp.cleanup());

/** A fake backup: a dump file and its sidecar, dated `minute` minutes into 2024-01-01. */
async function fake(dir: string, minute: number, extra: Partial<BackupInfo> = {}): Promise<BackupInfo> {
  await mkdir(dir, { recursive: true });
  const createdAt = new Date(Date.UTC(2024, 0, 1, 0, minute));
  const name = backupFileName(extra.database ?? "app", createdAt, "0001_x");
  const info: BackupInfo = {
    file: path.join(dir, name),
    name,
    database: "app",
    revision: "0001_x",
    sha256: "0".repeat(64),
    size: 4,
    serverVersion: "15.0",
    createdAt: createdAt.toISOString(),
    ...extra,
  };
  await writeFile(info.file, "dump");
  await writeSidecar(info);
  return info;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe("backup names and listing", () => {
  it("names a dump <db>_<UTC yyyymmddThhmmssZ>_<revision or base>.dump, with -N for a clash", () => {
    const at = new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123));
    expect(backupFileName("shop", at, "0003_add_user_avatar_url")).toBe(
      "shop_20240506T070809Z_0003_add_user_avatar_url.dump",
    );
    expect(backupFileName("my db/x", at, null, 2)).toBe("my-db-x_20240506T070809Z_base-2.dump");
  });

  it("lists backups newest first, and dumps without a sidecar with what their name tells", async () => {
    const dir = path.join(tmp.dir, "list");
    const older = await fake(dir, 1, { label: "old" });
    const newer = await fake(dir, 2);
    await writeFile(path.join(dir, "app_20240101T000300Z_0002_y.dump"), "orphan!");
    await writeFile(path.join(dir, ".app_20240101T000400Z_base.dump.1234.partial"), "in progress");
    const list = await listBackups(dir);
    expect(list.map((b) => b.name)).toEqual(["app_20240101T000300Z_0002_y.dump", newer.name, older.name]);
    expect(list[0]).toMatchObject({ database: "app", revision: "0002_y", size: 7, sha256: "" });
    expect(list[2]).toMatchObject({ label: "old", file: older.file });
  });

  it("lists nothing for a BACKUP_DIR that does not exist yet", async () => {
    expect(await listBackups(path.join(tmp.dir, "nope"))).toEqual([]);
  });

  it("publishes under the next free -N name instead of overwriting a same-second backup", async () => {
    const dir = path.join(tmp.dir, "publish");
    await mkdir(dir);
    await writeFile(path.join(dir, "a.dump"), "first");
    await writeFile(path.join(dir, "a-2.dump"), "second");
    await writeFile(path.join(dir, ".temp"), "third");
    const published = await publishFile(path.join(dir, ".temp"), dir, (n) =>
      n > 1 ? `a-${n}.dump` : "a.dump",
    );
    expect(path.basename(published)).toBe("a-3.dump");
    expect(await readFile(path.join(dir, "a.dump"), "utf8")).toBe("first");
    expect((await readdir(dir)).sort()).toEqual(["a-2.dump", "a-3.dump", "a.dump"]);
  });
});

describe("retention", () => {
  it("deletes all but the newest N, yet keeps the newest restore point however old", async () => {
    const dir = path.join(tmp.dir, "prune");
    const olderPoint = await fake(dir, 0, { reason: "restore-point" });
    const point = await fake(dir, 1, { reason: "safety" });
    const plain = [await fake(dir, 2), await fake(dir, 3), await fake(dir, 4), await fake(dir, 5)];
    const other = await fake(dir, 6, { database: "other" });
    const deleted = await pruneBackups(dir, "app", 2);
    expect(deleted.sort()).toEqual([olderPoint.file, plain[0]?.file, plain[1]?.file].sort());
    for (const gone of deleted) expect(await exists(gone.replace(/\.dump$/, ".json"))).toBe(false);
    const left = (await listBackups(dir)).map((b) => b.name);
    // Another database's dumps in the same directory are not counted or touched.
    expect(left).toEqual([other.name, plain[3]?.name, plain[2]?.name, point.name]);
  });
});

describe("retention never deletes what a job needs", () => {
  it("skips a dump a running job reads, and stops protecting it once released", async () => {
    const dir = path.join(tmp.dir, "prune-held");
    const oldest = await fake(dir, 0);
    await fake(dir, 1);
    await fake(dir, 2);
    const release = await holdBackupFile(oldest.file);
    expect(await pruneBackups(dir, "app", 2)).toEqual([]);
    await release();
    expect(await pruneBackups(dir, "app", 2)).toEqual([oldest.file]);
  });

  it("skips dumps younger than the job that prunes, whoever wrote them", async () => {
    const dir = path.join(tmp.dir, "prune-young");
    const old = await fake(dir, 0);
    await fake(dir, 10);
    await fake(dir, 11);
    const jobStart = new Date(Date.UTC(2024, 0, 1, 0, 5));
    // keep 1: the two dumps from after the job started stay, only the older one goes.
    expect(await pruneBackups(dir, "app", 1, undefined, { startedAt: jobStart })).toEqual([old.file]);
  });

  it("ignores the marker of a process that died", async () => {
    const dir = path.join(tmp.dir, "prune-stale");
    const oldest = await fake(dir, 0);
    await fake(dir, 1);
    // pid 2^22 + 1 is above Linux's pid_max: no such process.
    await writeFile(path.join(dir, `.${oldest.name}.4194305.inuse`), "");
    expect(await pruneBackups(dir, "app", 1)).toEqual([oldest.file]);
    expect((await readdir(dir)).filter((n) => n.endsWith(".inuse"))).toEqual([]);
  });
});

describe("resolveBackupFile", () => {
  let dir: string;
  let outside: string;
  beforeAll(async () => {
    dir = path.join(tmp.dir, "confine", "backups");
    outside = path.join(tmp.dir, "confine", "elsewhere.dump");
    await mkdir(path.join(dir, "sub"), { recursive: true });
    await writeFile(path.join(dir, "ok.dump"), "x");
    await writeFile(outside, "x");
    await symlink(outside, path.join(dir, "escape.dump"));
    await symlink(path.join(dir, "ok.dump"), path.join(dir, "alias.dump"));
  });

  async function code(file: string): Promise<string | undefined> {
    return resolveBackupFile(dir, file).then(
      () => undefined,
      (e: unknown) => (e instanceof TidemarkError ? e.code : String(e)),
    );
  }

  it("accepts a name or an absolute path inside BACKUP_DIR, and a symlink that stays inside", async () => {
    const real = path.join(dir, "ok.dump");
    expect(await resolveBackupFile(dir, "ok.dump")).toBe(real);
    expect(await resolveBackupFile(dir, real)).toBe(real);
    expect(await resolveBackupFile(dir, "sub/../ok.dump")).toBe(real);
    expect(await resolveBackupFile(dir, "alias.dump")).toBe(real);
  });

  it("refuses ../x, absolute paths elsewhere and symlinks leading out with TM_BACKUP_PATH", async () => {
    expect(await code("../elsewhere.dump")).toBe("TM_BACKUP_PATH");
    expect(await code(outside)).toBe("TM_BACKUP_PATH");
    expect(await code("/etc/passwd")).toBe("TM_BACKUP_PATH");
    expect(await code("escape.dump")).toBe("TM_BACKUP_PATH");
    expect(await code(".")).toBe("TM_BACKUP_PATH");
  });

  it("reports a missing file or a directory as TM_BACKUP_INVALID", async () => {
    expect(await code("missing.dump")).toBe("TM_BACKUP_INVALID");
    expect(await code("sub")).toBe("TM_BACKUP_INVALID");
  });
});

describe("client tools", () => {
  it("reads major versions from pg_dump --version lines and server_version settings", () => {
    expect(majorVersion("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)")).toBe(15);
    expect(majorVersion("pg_restore (PostgreSQL) 9.6.24")).toBe(9);
    expect(majorVersion("17beta2")).toBe(17);
    expect(majorVersion("no digits")).toBeNull();
  });

  it("hands the tools a connection string without the password, which sits in a 0600 passfile removed afterwards", async () => {
    let seen = "";
    let passfile = "";
    let content = "";
    let mode = 0;
    await withToolConnection(
      "postgres://app:s3%3Acr%5Cet%40x@db.example:5433/shop?sslmode=disable",
      async (dbname) => {
        seen = dbname;
        passfile = new URL(dbname).searchParams.get("passfile") ?? "";
        content = await readFile(passfile, "utf8");
        mode = (await stat(passfile)).mode & 0o777;
      },
    );
    expect(seen).not.toContain("s3");
    expect(seen).toMatch(/^postgres:\/\/app@db\.example:5433\/shop\?sslmode=disable&passfile=/);
    expect(content).toBe("*:*:*:*:s3\\:cr\\\\et@x\n");
    expect(mode).toBe(0o600);
    expect(await exists(passfile)).toBe(false);
  });

  it("leaves a connection string without a password as it is", async () => {
    let seen = "";
    await withToolConnection("postgres://postgres@127.0.0.1:5432/app", async (dbname) => {
      seen = dbname;
    });
    expect(seen).toBe("postgres://postgres@127.0.0.1:5432/app");
  });
});
