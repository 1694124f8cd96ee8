import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { createMigrationsQueue, type MigrationsQueue } from "@tidemark/jobs";
import type { ProgressEvent } from "@tidemark/migrate";
import {
  addMigration,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import type { ManagedProcess } from "@tidemark/testkit/processes";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AFTER_SLOW, historyOf, SLOW, slowMigrations, spawnWorker, testRequester } from "./helpers.js";

// These tests drive the built worker (`pnpm turbo run build --filter @tidemark/migrator...`).
let dir: string;
let db: { name: string; url: string };
let prefix: string;
let queue: MigrationsQueue;
const workers: ManagedProcess[] = [];

function startWorker(): ManagedProcess {
  const w = spawnWorker({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_MIGRATIONS_DIR: dir,
    BACKUP_DIR: `${dir}/backups`,
  });
  workers.push(w);
  return w;
}

async function readyWorker(): Promise<ManagedProcess> {
  const w = startWorker();
  await w.waitForLog("migrator worker ready");
  return w;
}

/** An onProgress that resolves `reached` once `revision` has started. */
function stepWatcher(revision: string) {
  let reach: () => void = () => {};
  const reached = new Promise<void>((r) => (reach = r));
  const onProgress = (e: ProgressEvent) => {
    if (e.type === "step-start" && e.revision === revision) reach();
  };
  return { reached, onProgress };
}

/** A TypeScript migration after the SQL ones: it is never sent with them, so it runs in a later round trip. */
const CODE = "0007_code_after";
const codeMigration = `export async function up(ctx) { await ctx.sql\`create table "code_after" ("id" integer)\`; }
export async function down(ctx) { await ctx.sql\`drop table "code_after"\`; }`;

/** Each revision's `up` rows in history: applied once means exactly one ok row. */
async function upCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const row of await historyOf(db.url)) {
    if (row.direction === "up" && row.status === "ok") counts[row.revision] = (counts[row.revision] ?? 0) + 1;
  }
  return counts;
}

const allOnce = {
  "0000_create_users_table": 1,
  "0001_add_categories_table": 1,
  "0002_increase_username_length": 1,
  "0003_add_user_avatar_url": 1,
  "0004_set_default_avatar_url": 1,
  [SLOW]: 1,
  [AFTER_SLOW]: 1,
  [CODE]: 1,
};

beforeAll(async () => {
  dir = await slowMigrations(3);
  await addMigration(dir, CODE, codeMigration, undefined, { ext: "ts" });
});

beforeEach(async () => {
  db = await createTempDatabase();
  prefix = uniqueQueuePrefix();
  queue = createMigrationsQueue({ redisUrl, prefix });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop({ signal: "SIGKILL" })));
  await queue.close();
  await dropQueuePrefix(prefix);
  await dropDatabase(db.name);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the migrator worker process", () => {
  it("stops cleanly on SIGTERM after the migrations in flight, and the next worker finishes the job", async () => {
    const first = await readyWorker();
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    const watch = stepWatcher(SLOW);
    const done = queue.awaitJob(jobId, { timeoutMs: 60_000, onProgress: watch.onProgress });
    await watch.reached;
    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await first.waitForLog("job interrupted by shutdown; requeued");
    await first.waitForLog("migrator worker stopped");

    // The migrations under way (the SQL ones, sent together) completed; the TypeScript one after
    // them waits for the next worker.
    const { [CODE]: _, ...appliedSoFar } = allOnce;
    expect(await upCounts()).toEqual(appliedSoFar);
    expect((await queue.getJob(jobId))?.state).toBe("waiting");

    await readyWorker();
    const report = await done;
    expect(report).toMatchObject({ steps: [{ revision: CODE }] });
    expect(await upCounts()).toEqual(allOnce);
  });

  it("refuses to start with an invalid environment, naming every bad variable (exit 2)", async () => {
    const w = spawnWorker({ REDIS_URL: "not a url", TIDEMARK_WORKER_STALLED_MS: "soon" });
    workers.push(w);
    expect(await w.exited).toEqual({ code: 2, signal: null });
    expect(w.output()).toContain("REDIS_URL");
    expect(w.output()).toContain("TIDEMARK_WORKER_STALLED_MS");
  });

  it("exits 0 at once on SIGTERM when idle", async () => {
    const w = await readyWorker();
    w.child.kill("SIGTERM");
    expect(await w.exited).toEqual({ code: 0, signal: null });
  });

  it("never runs two migrations at once with two worker processes, and completes every job", async () => {
    await Promise.all([readyWorker(), readyWorker()]);
    const targets = ["0001", "0003", SLOW, undefined];
    const enqueued = [];
    for (const to of targets)
      enqueued.push(await queue.enqueue("upgrade", { to, requestedBy: testRequester }));
    const reports = await Promise.all(enqueued.map((e) => queue.awaitJob(e.jobId, { timeoutMs: 90_000 })));
    expect(reports).toHaveLength(4);

    expect(await upCounts()).toEqual(allOnce);
    const rows = (await historyOf(db.url)).filter((r) => r.direction === "up");
    for (const [prev, next] of rows.slice(0, -1).map((r, i) => [r, rows[i + 1]] as const)) {
      expect(Date.parse(prev.finishedAt ?? "")).toBeLessThanOrEqual(Date.parse(next?.startedAt ?? ""));
    }
    const views = await Promise.all(enqueued.map((e) => queue.getJob(e.jobId)));
    expect(views.every((v) => v?.state === "completed")).toBe(true);
    expect(new Set(views.map((v) => v?.processedBy)).size).toBe(2);
  });

  it("keeps retrying an unreachable Redis, one log line per attempt with the redacted URL", async () => {
    const w = spawnWorker({
      DATABASE_URL: db.url,
      REDIS_URL: "redis://:hunter2@127.0.0.1:1",
      TIDEMARK_QUEUE_PREFIX: prefix,
    });
    workers.push(w);
    const line = await w.waitForLog((l) => l.msg === "Redis unavailable; retrying" && l.attempt === 2);
    expect(line).toMatchObject({ redis: "redis://:***@127.0.0.1:1", nextDelayMs: expect.any(Number) });
    expect(w.output()).not.toContain("hunter2");
    expect(w.logs.filter((l) => l.msg === "Redis unavailable; retrying" && l.attempt === 1)).toHaveLength(1);
    w.child.kill("SIGTERM");
    expect(await w.exited).toEqual({ code: 0, signal: null });
  });

  it("survives losing Redis mid-life: logs the loss, retries, and serves jobs once it is back", async () => {
    // A private Redis this test may kill, on a port of its own.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const url = `redis://127.0.0.1:${port}`;
    const startRedis = async (): Promise<ChildProcess> => {
      const child = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      child.stdout?.setEncoding("utf8");
      let out = "";
      while (!/Ready to accept connections/.test(out)) out += (await once(child.stdout ?? child, "data"))[0];
      return child;
    };
    let redis = await startRedis();
    const w = spawnWorker({ DATABASE_URL: db.url, REDIS_URL: url, TIDEMARK_QUEUE_PREFIX: prefix });
    workers.push(w);
    try {
      await w.waitForLog("migrator worker ready");
      redis.kill("SIGKILL");
      await once(redis, "exit");
      await w.waitForLog("Redis connection lost");
      await w.waitForLog("Redis unavailable; retrying");
      expect(w.child.exitCode).toBeNull();

      redis = await startRedis();
      await w.waitForLog("Redis connection restored");
      const local = createMigrationsQueue({ redisUrl: url, prefix });
      try {
        const report = await local.enqueueAndAwait(
          "upgrade",
          { to: "0001", requestedBy: testRequester },
          {
            timeoutMs: 30_000,
          },
        );
        expect(report.to).toBe("0001_add_categories_table");
      } finally {
        await local.close();
      }
    } finally {
      redis.kill("SIGKILL");
    }
  });
});
