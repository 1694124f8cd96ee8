// Fresh migrated databases for tests: a copy of a template (`@tidemark/migrate/testing`) against
// a full apply into an empty database, for the seed history and the 200-migration corpus.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrationsDir as seedDir } from "@tidemark/db";
import { upgrade } from "@tidemark/migrate";
import { closeTestDatabases, createTestDatabase } from "@tidemark/migrate/testing";
import postgres from "postgres";
import { adminUrl, generateCorpus, percentile, report, tempDb, time } from "./support.mjs";

const COPIES = 20;
/** A short test body between two databases, during which the next spare is copied. */
const TEST_BODY_MS = 250;
const APPLIES = 3;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

async function fullApply(dir) {
  const db = await tempDb();
  try {
    return await time(() =>
      upgrade({
        databaseUrl: db.url,
        migrationsDir: dir,
        environment: "bench",
        actor: { via: "test", host: "bench", pid: process.pid },
        logger: silent,
      }),
    );
  } finally {
    await db.drop();
  }
}

/** Drop a template and the spare copies made of it. */
async function dropTemplate(name) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`alter database "${name}" with is_template false`);
  for (const { datname } of await sql`select datname from pg_database where starts_with(datname, ${name})`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
}

/** Time `createTestDatabase` alone, as a test suite waits on it, with `pause` ms of test between. */
async function copyTimes(dir, pause) {
  const copies = [];
  for (let i = 0; i < COPIES; i++) {
    let db;
    copies.push(
      await time(async () => {
        db = await createTestDatabase({ migrationsDir: dir, serverUrl: adminUrl, prefix: "tmb" });
      }),
    );
    await new Promise((r) => setTimeout(r, pause));
    await db.drop();
  }
  return copies;
}

async function measure(label, dir) {
  const applies = [];
  for (let i = 0; i < APPLIES; i++) applies.push(await fullApply(dir));
  const first = await createTestDatabase({ migrationsDir: dir, serverUrl: adminUrl, prefix: "tmb" });
  await first.drop();
  const applyP50 = percentile(applies, 50);
  report(`testdb ${label} full apply per database p50`, applyP50, "ms");
  for (const [how, pause] of [
    ["tests of 250 ms", TEST_BODY_MS],
    ["back to back", 0],
  ]) {
    const copies = await copyTimes(dir, pause);
    report(`testdb ${label} copy, ${how}, p50`, percentile(copies, 50), "ms", applyP50, "full apply");
    report(`testdb ${label} copy, ${how}, p95`, percentile(copies, 95), "ms", applyP50, "full apply");
  }
  await closeTestDatabases();
  await dropTemplate(first.template);
}

export async function run() {
  await measure("seed (5 migrations)", seedDir);
  const out = await generateCorpus(200, path.join(await mkdtemp(path.join(tmpdir(), "tmb-")), "corpus"));
  await measure("corpus (200 migrations)", path.join(out, "drizzle"));
  await closeTestDatabases();
}
