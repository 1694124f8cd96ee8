// The migrations queue: enqueue → job-start latency with an idle worker (p50/p99) against a
// raw BullMQ no-op job on the same Redis, and the end-to-end cost of a no-op upgrade job
// against calling upgrade() directly. The worker runs in this process, so both ends of each
// latency are read from one clock; its queue prefix and database are removed afterwards.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { migrationsDir } from "@tidemark/db";
import { createMigrationsQueue, QUEUE_NAME } from "@tidemark/jobs";
import { upgrade } from "@tidemark/migrate";
import { percentile, repoRoot, report, tempDb } from "./support.mjs";

const JOBS = 200;
const WARMUP = 20;
const E2E_RUNS = 50;
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// bench/ does not depend on bullmq or the migrator; load the very copies the workspace uses.
const { Queue, Worker } = await import(
  pathToFileURL(createRequire(path.join(repoRoot, "packages/jobs/package.json")).resolve("bullmq")).href
);
const { createLogger, loadMigratorConfig, startMigrator } = await import(
  pathToFileURL(path.join(repoRoot, "apps/migrator/dist/index.js")).href
);

/**
 * Latency from just before `enqueue()` to the worker's `active` event, one job at a time;
 * the worker finishes each job and idles briefly before the next is enqueued.
 */
async function startLatencies(worker, enqueue) {
  let onActive = () => {};
  let onDone = () => {};
  worker.on("active", () => onActive(performance.now()));
  worker.on("completed", () => onDone());
  worker.on("failed", (_job, err) => onDone(err));
  const samples = [];
  for (let i = 0; i < WARMUP + JOBS; i++) {
    const active = new Promise((resolve) => (onActive = resolve));
    const done = new Promise((resolve, reject) => (onDone = (err) => (err ? reject(err) : resolve())));
    const t0 = performance.now();
    await enqueue();
    const startedAt = await active;
    await done;
    if (i >= WARMUP) samples.push(startedAt - t0);
    await sleep(2); // let the worker go back to its blocking wait: "idle"
  }
  return samples;
}

function median(values) {
  return percentile(values, 50);
}

export async function run() {
  const db = await tempDb();
  const prefix = `tmbench_${process.pid}`;
  const raw = { queue: new Queue("bench-noop", { connection: { url: redisUrl }, prefix }) };
  let migrator;
  const queue = createMigrationsQueue({ redisUrl, prefix });
  const requestedBy = { via: "test", host: "bench", pid: process.pid };
  const ctx = {
    databaseUrl: db.url,
    migrationsDir,
    environment: "bench",
    actor: { via: "test", host: "bench", pid: process.pid },
    logger: silent,
  };
  try {
    await upgrade(ctx); // everything applied: each upgrade below is a no-op

    // Baseline: a raw BullMQ no-op job on the same Redis.
    raw.worker = new Worker("bench-noop", async () => null, { connection: { url: redisUrl }, prefix });
    await raw.worker.waitUntilReady();
    const rawStarts = await startLatencies(raw.worker, () => raw.queue.add("noop", {}));
    await raw.worker.close();

    const config = loadMigratorConfig({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      TIDEMARK_QUEUE_PREFIX: prefix,
      TIDEMARK_MIGRATIONS_DIR: migrationsDir,
    });
    migrator = startMigrator(config, createLogger({ level: "silent" }));
    await migrator.worker.waitUntilReady();
    const starts = await startLatencies(migrator.worker, () => queue.enqueue("upgrade", { requestedBy }));

    const rawP50 = median(rawStarts);
    const rawP99 = percentile(rawStarts, 99);
    report("raw BullMQ add → start p50", rawP50, "ms");
    report("queue enqueue → job start p50 (target ≤ 10)", median(starts), "ms", rawP50, "raw BullMQ no-op");
    report("queue enqueue → job start p99", percentile(starts, 99), "ms", rawP99, "raw BullMQ no-op p99");

    const direct = [];
    const viaQueue = [];
    // Interleaved, so drift on a shared machine hits both alike.
    for (let i = 0; i < E2E_RUNS; i++) {
      let t0 = performance.now();
      await upgrade(ctx);
      direct.push(performance.now() - t0);
      t0 = performance.now();
      await queue.enqueueAndAwait("upgrade", { requestedBy }, { timeoutMs: 30_000 });
      viaQueue.push(performance.now() - t0);
    }
    report("no-op upgrade job end to end p50", median(viaQueue), "ms", median(direct), "direct upgrade()");
  } finally {
    await migrator?.stop("bench done");
    await raw.worker?.close();
    await raw.queue.obliterate({ force: true }).catch(() => {});
    await raw.queue.close();
    const cleaner = new Queue(QUEUE_NAME, { connection: { url: redisUrl }, prefix });
    await cleaner.obliterate({ force: true }).catch(() => {});
    await cleaner.close();
    await queue.close();
    await db.drop();
  }
}
