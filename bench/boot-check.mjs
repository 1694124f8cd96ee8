// The boot-time up-to-date check alone (as in apply.mjs, without the slow comparisons), and
// what drift detection costs status: 200 generated migrations, on the API's pool, up to date.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkUpToDate, readFingerprint, status, upgrade } from "@tidemark/migrate";
import postgres from "postgres";
import { exec, generateCorpus, percentile, tempDb, time } from "./support.mjs";

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const out = await mkdtemp(path.join(tmpdir(), "tm-corpus-"));
const dir = path.join(out, "drizzle");
// CORPUS_SCRIPT points at the shared generator when ../shared is not beside the repository.
if (process.env.CORPUS_SCRIPT) await exec(process.execPath, [process.env.CORPUS_SCRIPT, "200", dir]);
else await generateCorpus(200, dir);
const db = await tempDb();
try {
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const ctx = {
    databaseUrl: db.url,
    migrationsDir: dir,
    environment: "bench",
    actor: { via: "test", host: "bench", pid: process.pid },
    logger: silent,
    sql,
  };
  await upgrade(ctx);
  const samples = [];
  for (let i = 0; i < 300; i++) samples.push(await time(() => checkUpToDate(ctx)));
  // What status and verify pay on top for drift: the one catalog query, and a whole status.
  const fingerprints = [];
  const statuses = [];
  for (let i = 0; i < 50; i++) {
    fingerprints.push(await time(() => readFingerprint(sql)));
    statuses.push(await time(() => status(ctx)));
  }
  await sql.end();
  console.log(
    `schema fingerprint (status/verify only), p50 ${percentile(fingerprints, 50).toFixed(2)} ms; whole status p50 ${percentile(statuses, 50).toFixed(2)} ms`,
  );
  console.log(
    `up-to-date check at boot, 200 migrations: p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms (target ≤ 5 ms)`,
  );
} finally {
  await db.drop();
}
