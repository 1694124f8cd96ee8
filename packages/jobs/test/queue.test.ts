import { TidemarkError } from "@tidemark/migrate";
import { dropQueuePrefix, redisUrl, uniqueQueuePrefix } from "@tidemark/testkit";
import { type Job, Queue, Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  blockingConnection,
  createMigrationsQueue,
  type MigrationsQueue,
  QUEUE_NAME,
  toJobError,
} from "../src/index.js";
import { fakeReport, testRequester } from "./helpers.js";

// A fresh prefix per test: each starts from an empty queue and event stream.
let prefix: string;
let queue: MigrationsQueue;
let worker: Worker | undefined;

/** A real BullMQ worker on the test prefix; `process` decides each job's outcome. */
async function startWorker(process: (job: Job) => Promise<unknown>): Promise<Worker> {
  worker = new Worker(QUEUE_NAME, process, {
    connection: blockingConnection(redisUrl),
    prefix,
    concurrency: 1,
  });
  await worker.waitUntilReady();
  return worker;
}

async function rejection(promise: Promise<unknown>): Promise<TidemarkError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TidemarkError)) throw new Error(`expected a TidemarkError, got ${String(err)}`);
  return err;
}

beforeEach(() => {
  prefix = uniqueQueuePrefix();
  queue = createMigrationsQueue({ redisUrl, prefix });
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await queue.close();
  await dropQueuePrefix(prefix);
});

describe("enqueue", () => {
  it("validates the payload before touching Redis", async () => {
    const err = await rejection(queue.enqueue("rollback", { to: "", requestedBy: testRequester }));
    expect(err.code).toBe("TM_PAYLOAD_INVALID");
    expect(await queue.counts()).toMatchObject({ waiting: 0 });
  });

  it("shares one job between five concurrent identical upgrade requests", async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => queue.enqueue("upgrade", { requestedBy: testRequester })),
    );
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect((await queue.counts()).waiting).toBe(1);
  });

  it("gives upgrades with different options their own jobs", async () => {
    const a = await queue.enqueue("upgrade", { requestedBy: testRequester });
    const b = await queue.enqueue("upgrade", { to: "0002", requestedBy: testRequester });
    const c = await queue.enqueue("upgrade", { dryRun: true, requestedBy: testRequester });
    expect(new Set([a.jobId, b.jobId, c.jobId]).size).toBe(3);
  });

  it("never shares rollbacks: each request is its own job", async () => {
    const a = await queue.enqueue("rollback", { to: "prev", requestedBy: testRequester });
    const b = await queue.enqueue("rollback", { to: "prev", requestedBy: testRequester });
    expect(a.jobId).not.toBe(b.jobId);
    expect(b.deduplicated).toBe(false);
  });

  it("runs a new upgrade job once the shared one has finished", async () => {
    await startWorker(async () => fakeReport());
    const first = await queue.enqueueAndAwait(
      "upgrade",
      { requestedBy: testRequester },
      { timeoutMs: 10_000 },
    );
    expect(first.to).toBe("0004_set_default_avatar_url");
    const again = await queue.enqueue("upgrade", { requestedBy: testRequester });
    expect(again.deduplicated).toBe(false);
  });
});

describe("enqueueAndAwait", () => {
  it("returns the job's report and forwards its progress events", async () => {
    await startWorker(async (job) => {
      await job.updateProgress({ type: "plan", direction: "up", revisions: ["0000_create_users_table"] });
      await job.updateProgress({
        type: "step-start",
        revision: "0000_create_users_table",
        index: 0,
        total: 1,
      });
      return fakeReport("0000_create_users_table");
    });
    const seen: unknown[] = [];
    const report = await queue.enqueueAndAwait(
      "upgrade",
      { requestedBy: testRequester },
      { timeoutMs: 10_000, onProgress: (e) => seen.push(e.type) },
    );
    expect(report.to).toBe("0000_create_users_table");
    expect(seen).toEqual(["plan", "step-start"]);
  });

  it("fails with TM_JOB_FAILED carrying the job's code, message and revision", async () => {
    await startWorker(async () => {
      throw toJobError(
        new TidemarkError("TM_MIGRATION_FAILED", "0002_increase_username_length failed: boom", {
          details: { revision: "0002_increase_username_length" },
        }),
      );
    });
    const err = await rejection(
      queue.enqueueAndAwait("upgrade", { requestedBy: testRequester }, { timeoutMs: 10_000 }),
    );
    expect(err.code).toBe("TM_JOB_FAILED");
    expect(err.details).toMatchObject({
      code: "TM_MIGRATION_FAILED",
      message: "0002_increase_username_length failed: boom",
      revision: "0002_increase_username_length",
    });
    const view = await queue.getJob(String(err.details.jobId));
    expect(view).toMatchObject({ state: "failed", errorCode: "TM_MIGRATION_FAILED" });
  });

  it("fails with TM_NO_WORKER and withdraws a rollback nobody picked up", async () => {
    const err = await rejection(
      queue.enqueueAndAwait(
        "rollback",
        { to: "prev", requestedBy: testRequester },
        { timeoutMs: 20_000, noWorkerAfterMs: 300 },
      ),
    );
    expect(err.code).toBe("TM_NO_WORKER");
    expect(err.message).toContain("--direct");
    expect(err.message).toContain("pnpm --dir apps/migrator start");
    expect(err.details.withdrawn).toBe(true);
    expect(await queue.getJob(String(err.details.jobId))).toBeNull();
  });

  it("keeps an upgrade nobody picked up queued for the next worker", async () => {
    const err = await rejection(
      queue.enqueueAndAwait(
        "upgrade",
        { requestedBy: testRequester },
        { timeoutMs: 20_000, noWorkerAfterMs: 300 },
      ),
    );
    expect(err.code).toBe("TM_NO_WORKER");
    expect(await queue.getJob(String(err.details.jobId))).toMatchObject({ state: "waiting" });
  });

  it("fails with TM_QUEUE_TIMEOUT when the job outlives the wait, and the job keeps running", async () => {
    let release: () => void = () => {};
    await startWorker(() => new Promise((resolve) => (release = () => resolve(fakeReport()))));
    const err = await rejection(
      queue.enqueueAndAwait(
        "upgrade",
        { requestedBy: testRequester },
        { timeoutMs: 500, noWorkerAfterMs: 100 },
      ),
    );
    expect(err.code).toBe("TM_QUEUE_TIMEOUT");
    expect(err.details.state).toBe("active");
    release();
    const report = await queue.awaitJob(String(err.details.jobId), { timeoutMs: 10_000 });
    expect(report).toMatchObject({ direction: "up" });
  });
});

describe("awaitJob", () => {
  it("answers with the result of a job that completed before the wait began", async () => {
    await startWorker(async () => fakeReport("0001_add_categories_table"));
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    await expect.poll(async () => (await queue.getJob(jobId))?.state).toBe("completed");
    expect(await queue.awaitJob(jobId, { timeoutMs: 5000 })).toMatchObject({
      to: "0001_add_categories_table",
    });
  });

  it("answers from the event stream when the finished job was already trimmed", async () => {
    await startWorker(async () => fakeReport("0003_add_user_avatar_url"));
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    await expect.poll(async () => (await queue.getJob(jobId))?.state).toBe("completed");
    const raw = new Queue(QUEUE_NAME, { connection: { url: redisUrl }, prefix });
    await raw.remove(jobId);
    await raw.close();
    expect(await queue.getJob(jobId)).toBeNull();
    expect(await queue.awaitJob(jobId, { timeoutMs: 5000 })).toMatchObject({
      to: "0003_add_user_avatar_url",
    });
  });

  it("fails with TM_JOB_NOT_FOUND for a job that never existed", async () => {
    const err = await rejection(queue.awaitJob("no-such-job", { timeoutMs: 5000 }));
    expect(err.code).toBe("TM_JOB_NOT_FOUND");
  });
});

describe("inspection", () => {
  it("shows a job's payload with passwords masked", async () => {
    const { jobId } = await queue.enqueue("restore", {
      file: "postgres://u:pw@h/x.dump",
      requestedBy: testRequester,
    });
    const view = await queue.getJob(jobId);
    expect(view).toMatchObject({
      name: "restore",
      state: "waiting",
      payload: { file: "postgres://u:***@h/x.dump" },
    });
  });

  it("lists jobs newest first, and only failed ones on request", async () => {
    await startWorker(async (job) => {
      if (job.name === "backup") throw toJobError(new TidemarkError("TM_BACKUP_FAILED", "disk full"));
      return fakeReport();
    });
    await queue.enqueueAndAwait("upgrade", { requestedBy: testRequester }, { timeoutMs: 10_000 });
    await queue
      .enqueueAndAwait("backup", { label: "nightly", requestedBy: testRequester }, { timeoutMs: 10_000 })
      .catch(() => {});
    const all = await queue.listJobs();
    expect(all.map((j) => j.name)).toEqual(["backup", "upgrade"]);
    expect(all[1]).toMatchObject({ state: "completed", attempts: 1, result: { direction: "up" } });
    const failed = await queue.listJobs({ failed: true });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      name: "backup",
      errorCode: "TM_BACKUP_FAILED",
      failedReason: "disk full",
    });
    expect(await queue.counts()).toMatchObject({ completed: 1, failed: 1, waiting: 0, active: 0 });
  });
});

describe("when Redis is down", () => {
  it("fails with TM_REDIS_UNAVAILABLE naming the redacted URL instead of hanging", async () => {
    const down = createMigrationsQueue(
      { redisUrl: "redis://:hunter2@127.0.0.1:1", prefix },
      { connectTimeoutMs: 500 },
    );
    try {
      const err = await rejection(down.enqueue("upgrade", { requestedBy: testRequester }));
      expect(err.code).toBe("TM_REDIS_UNAVAILABLE");
      expect(err.message).toContain("redis://:***@127.0.0.1:1");
      expect(err.message).not.toContain("hunter2");
      expect((await rejection(down.counts())).code).toBe("TM_REDIS_UNAVAILABLE");
    } finally {
      await down.close();
    }
  });
});
