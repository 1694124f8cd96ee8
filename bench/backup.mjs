// Backup and restore of a ~1M-row database: Tidemark's backup()/restore() against raw
// `pg_dump -Fc` / `pg_restore` with the same flags, interleaved in the same run (best of 3).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import { backup, restore, upgrade } from "@tidemark/migrate";
import postgres from "postgres";
import { exec, report, tempDb, time } from "./support.mjs";

const RUNS = 3;
const ROWS = 1_000_000;
const silent = { info() {}, warn() {}, error() {}, debug() {} };
// Exactly the flags restore() passes, so the baseline does the same work.
const RESTORE_FLAGS = ["--clean", "--if-exists", "--single-transaction", "--no-owner"];

async function fill(url) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      insert into users (username, email, avatar_url, created_at)
      select 'user_' || g, 'user_' || g || '@example.com', '/avatars/' || g || '.png',
             now() - g * interval '1 second'
      from generate_series(1, ${ROWS}) g;
      insert into categories (name) select 'category ' || g from generate_series(1, 1000) g;`);
    await sql.unsafe("vacuum analyze");
  } finally {
    await sql.end();
  }
}

export async function run() {
  const db = await tempDb("tmb_backup");
  const dir = await mkdtemp(path.join(tmpdir(), "tm-bench-backup-"));
  const ctx = {
    databaseUrl: db.url,
    migrationsDir,
    environment: "bench",
    actor: { via: "test", host: "bench", pid: process.pid },
    logger: silent,
    backupDir: dir,
    backupKeep: 100,
  };
  try {
    await upgrade(ctx);
    await fill(db.url);

    const raw = path.join(dir, "raw.dump");
    let rawDump = Number.POSITIVE_INFINITY;
    let ours = Number.POSITIVE_INFINITY;
    let file = "";
    // Interleaved, so drift in machine load hits both sides alike.
    for (let i = 0; i < RUNS; i++) {
      rawDump = Math.min(rawDump, await time(() => exec("pg_dump", ["-Fc", "-f", raw, db.url])));
      ours = Math.min(
        ours,
        await time(async () => {
          file = (await backup(ctx)).name;
        }),
      );
    }
    report("backup 1M rows", ours, "ms", rawDump, "pg_dump -Fc");

    let rawRestore = Number.POSITIVE_INFINITY;
    let oursRestore = Number.POSITIVE_INFINITY;
    let withSafety = Number.POSITIVE_INFINITY;
    for (let i = 0; i < RUNS; i++) {
      rawRestore = Math.min(
        rawRestore,
        await time(() => exec("pg_restore", [...RESTORE_FLAGS, "-d", db.url, raw])),
      );
      oursRestore = Math.min(oursRestore, await time(() => restore(ctx, { file, noBackup: true })));
      // The default path also takes a safety backup first, a second full dump: shown on its own line.
      withSafety = Math.min(withSafety, await time(() => restore(ctx, { file })));
    }
    report("restore 1M rows", oursRestore, "ms", rawRestore, "pg_restore");
    report("restore with safety backup 1M rows", withSafety, "ms", rawRestore, "pg_restore");
  } finally {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
