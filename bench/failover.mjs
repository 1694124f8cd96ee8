// Failover: `kill -9` of the worker running a job (inside a slow migration), with a second
// worker on the queue at the production timing (TIDEMARK_WORKER_STALLED_MS / _LOCK_MS
// defaults) → time until the surviving worker starts the job again. Target ≤ 15 s; the
// worst case is one lock duration plus one stalled-check interval.
import { migrationsDir } from "@tidemark/db";
import {
  addMigration,
  copyMigrations,
  dropQueuePrefix,
  redisUrl,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { kill9, startWorker } from "@tidemark/testkit/processes";
import { cliBin, report, runProcess, tempDb } from "./support.mjs";

const ROUNDS = Number(process.env.BENCH_FAILOVER_ROUNDS ?? 3);
// e.g. BENCH_WORKER_ENV='{"TIDEMARK_WORKER_STALLED_MS":"30000","TIDEMARK_WORKER_LOCK_MS":"30000"}'
// measures the timing of an older configuration.
const WORKER_ENV = JSON.parse(process.env.BENCH_WORKER_ENV ?? "{}");

/** One kill: milliseconds from the kill to the survivor's `job started`. */
async function once() {
  const db = await tempDb("tmb_failover");
  const prefix = uniqueQueuePrefix();
  const dir = await copyMigrations(migrationsDir);
  await addMigration(dir, "0100_slow", "SELECT pg_sleep(2);\n", "SELECT 1;\n");
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_MIGRATIONS_DIR: dir,
    ...WORKER_ENV,
  };
  const workers = [await startWorker(env, { name: "a" }), await startWorker(env, { name: "b" })];
  try {
    const cli = runProcess(process.execPath, [cliBin, "upgrade", "--yes"], {
      ...env,
      TIDEMARK_NO_WORKER_MS: "60000",
    });
    const runner = await Promise.any(workers.map((w) => w.waitForLog("job started", 60_000).then(() => w)));
    const killedAt = Date.now();
    await kill9(runner);
    const survivor = workers.find((w) => w !== runner);
    const resumed = await survivor.waitForLog((l) => l.msg === "job started" && l.attempt === 2, 60_000);
    await cli;
    return Number(resumed.time) - killedAt;
  } finally {
    await Promise.all(workers.map(kill9));
    await dropQueuePrefix(prefix);
    await db.drop();
  }
}

export async function run() {
  const times = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await once());
  report("failover: kill -9 mid-job → survivor resumes (best)", Math.min(...times), "ms");
  report("failover: kill -9 mid-job → survivor resumes (worst, target ≤ 15000)", Math.max(...times), "ms");
}
