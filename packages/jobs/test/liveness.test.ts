import { TidemarkError } from "@tidemark/migrate";
import { dropQueuePrefix, redisUrl, uniqueQueuePrefix } from "@tidemark/testkit";
import { type Job, Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  blockingConnection,
  createMigrationsQueue,
  type MigrationsQueue,
  progressStamper,
  QUEUE_NAME,
  type WorkerChange,
} from "../src/index.js";
import { fakeReport, testRequester } from "./helpers.js";

let prefix: string;
let queue: MigrationsQueue;
const workers: Worker[] = [];

/** A real BullMQ worker; `lockDuration` short so a vanished worker's lock expires quickly. */
async function startWorker(process: (job: Job) => Promise<unknown>): Promise<Worker> {
  const worker = new Worker(QUEUE_NAME, process, {
    connection: blockingConnection(redisUrl),
    prefix,
    concurrency: 1,
    lockDuration: 1000,
    stalledInterval: 1000,
  });
  workers.push(worker);
  await worker.waitUntilReady();
  return worker;
}

/** Starts one migration, finishes it, starts the next and never returns: a long statement. */
function slowUpgrade(started: () => void) {
  return async (job: Job) => {
    // Published as apps/migrator does: each event stamped with the last finished migration.
    const stamp = progressStamper();
    await job.updateProgress(stamp({ type: "step-start", revision: "0001_a", index: 0, total: 2 }));
    await job.updateProgress(
      stamp({ type: "step-done", revision: "0001_a", index: 0, total: 2, durationMs: 5 }),
    );
    await job.updateProgress(stamp({ type: "step-start", revision: "0002_b", index: 1, total: 2 }));
    started();
    await new Promise(() => {});
  };
}

/** Resolves once the job reports it is inside its second migration. */
function startedSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Stand-in for kill -9: the worker's connections close, its job stays active and locked. */
async function vanish(worker: Worker): Promise<void> {
  await worker.close(true);
}

beforeEach(() => {
  prefix = uniqueQueuePrefix();
  queue = createMigrationsQueue({ redisUrl, prefix });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(true)));
  await queue.close();
  await dropQueuePrefix(prefix);
});

describe("a running job whose worker goes away", () => {
  it("fails with TM_NO_WORKER naming the job, its last finished migration and the commands to go on", async () => {
    const started = startedSignal();
    const worker = await startWorker(slowUpgrade(started.resolve));
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    const waiting = queue.awaitJob(jobId, { timeoutMs: 60_000, noWorkerAfterMs: 500 });
    await started.promise;
    await vanish(worker);
    const err = (await waiting.catch((e: unknown) => e)) as TidemarkError;
    expect(err).toBeInstanceOf(TidemarkError);
    expect(err.code).toBe("TM_NO_WORKER");
    expect(err.message).toContain(`upgrade job ${jobId}`);
    expect(err.message).toContain("The last migration it finished is 0001_a; it was running 0002_b");
    expect(err.message).toContain("resumes from the last applied revision");
    expect(err.message).toContain("pnpm --dir apps/migrator start");
    expect(err.message).toContain("pnpm cli upgrade --direct");
    expect(err.details).toMatchObject({ jobId, state: "active", lastFinished: "0001_a", withdrawn: false });
    // Not withdrawn: the job is still there for the next worker.
    expect(await queue.getJob(jobId)).not.toBeNull();
  });

  it("names the last finished migration to a waiter that began after it finished", async () => {
    const started = startedSignal();
    const worker = await startWorker(slowUpgrade(started.resolve));
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    await started.promise;
    // This waiter saw none of the step events: it reads where the job stands from its progress.
    const waiting = queue.awaitJob(jobId, { timeoutMs: 60_000, noWorkerAfterMs: 500 });
    await vanish(worker);
    const err = (await waiting.catch((e: unknown) => e)) as TidemarkError;
    expect(err.code).toBe("TM_NO_WORKER");
    expect(err.message).toContain("The last migration it finished is 0001_a; it was running 0002_b");
  });

  it("keeps waiting when asked, says when a worker is back, and returns the job's result", async () => {
    const started = startedSignal();
    const worker = await startWorker(slowUpgrade(started.resolve));
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    const changes: WorkerChange[] = [];
    let lost!: () => void;
    const lostSeen = new Promise<void>((r) => {
      lost = r;
    });
    const waiting = queue.awaitJob(jobId, {
      timeoutMs: 60_000,
      noWorkerAfterMs: 500,
      keepWaitingWithoutWorker: true,
      onWorker: (c) => {
        changes.push(c);
        if (c.type === "lost") lost();
      },
    });
    await started.promise;
    await vanish(worker);
    await lostSeen;
    // The next worker takes the stalled job over once its lock has expired.
    await startWorker(async () => fakeReport("0002_b"));
    expect(await waiting).toMatchObject({ to: "0002_b" });
    expect(changes.map((c) => c.type)).toEqual(["lost", "back"]);
    const lostError = changes[0] as { type: "lost"; error: TidemarkError };
    expect(lostError.error.code).toBe("TM_NO_WORKER");
  });
});

describe("a running job whose worker stays", () => {
  it("is waited for past many no-worker periods while its statement runs", async () => {
    let finish!: () => void;
    const release = new Promise<void>((r) => {
      finish = r;
    });
    let inside!: () => void;
    const entered = new Promise<void>((r) => {
      inside = r;
    });
    await startWorker(async () => {
      inside();
      await release;
      return fakeReport();
    });
    const { jobId } = await queue.enqueue("upgrade", { requestedBy: testRequester });
    const changes: WorkerChange[] = [];
    const waiting = queue.awaitJob(jobId, {
      timeoutMs: 60_000,
      noWorkerAfterMs: 200,
      onWorker: (c) => changes.push(c),
    });
    await entered;
    // Ten no-worker periods with the worker busy but alive.
    await new Promise((r) => setTimeout(r, 2000));
    finish();
    expect(await waiting).toMatchObject({ to: "0004_set_default_avatar_url" });
    expect(changes).toEqual([]);
  });
});
