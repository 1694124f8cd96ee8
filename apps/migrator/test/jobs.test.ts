import { existsSync } from "node:fs";
import { createMigrationsQueue, type MigrationsQueue, QUEUE_NAME } from "@tidemark/jobs";
import { createLogger, type ProgressEvent, TidemarkError } from "@tidemark/migrate";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigratorConfig } from "../src/config.js";
import { type Migrator, startMigrator } from "../src/worker.js";
import { hasStateTables, historyOf, testRequester } from "./helpers.js";

const prefix = uniqueQueuePrefix();
let db: { name: string; url: string };
let backups: { dir: string; cleanup: () => Promise<void> };
let migrator: Migrator;
let queue: MigrationsQueue;
const wait = { timeoutMs: 60_000, noWorkerAfterMs: 10_000 };

beforeAll(async () => {
  db = await createTempDatabase();
  backups = await tempDir("tm-backups-");
  const config = loadMigratorConfig({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    BACKUP_DIR: backups.dir,
  });
  migrator = startMigrator(config, createLogger({ level: "silent" }));
  await migrator.worker.waitUntilReady();
  queue = createMigrationsQueue({ redisUrl, prefix });
});

afterAll(async () => {
  await queue?.close();
  await migrator?.stop("test done");
  await dropQueuePrefix(prefix);
  await dropDatabase(db.name);
  await backups.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<TidemarkError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TidemarkError)) throw new Error(`expected a TidemarkError, got ${String(err)}`);
  return err;
}

// One database for the whole file: the tests run in order, as an operator would.
describe("the migrator worker, job by job", () => {
  it("fails a job with a bad payload with TM_PAYLOAD_INVALID, once, without running anything", async () => {
    const raw = new Queue(QUEUE_NAME, { connection: { url: redisUrl }, prefix });
    const job = await raw.add("upgrade", { to: 5, requestedBy: testRequester }, { attempts: 3 });
    await raw.close();
    const err = await rejection(queue.awaitJob(job.id ?? "", wait));
    expect(err.code).toBe("TM_JOB_FAILED");
    expect(err.details.code).toBe("TM_PAYLOAD_INVALID");
    expect(err.details.message).toMatch(/to: /);
    // Unrecoverable: the three allowed attempts were not used.
    expect(await queue.getJob(job.id ?? "")).toMatchObject({ state: "failed", attempts: 1 });
    expect(await hasStateTables(db.url)).toBe(false);
  });

  it("fails a job with an unknown name the same way", async () => {
    const raw = new Queue(QUEUE_NAME, { connection: { url: redisUrl }, prefix });
    const job = await raw.add("drop-database", { requestedBy: testRequester });
    await raw.close();
    const err = await rejection(queue.awaitJob(job.id ?? "", wait));
    expect(err.details.code).toBe("TM_PAYLOAD_INVALID");
    expect(await hasStateTables(db.url)).toBe(false);
  });

  it("runs five concurrent identical upgrades as one job that applies each migration once", async () => {
    const progress: ProgressEvent[] = [];
    const reports = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        queue.enqueueAndAwait(
          "upgrade",
          { requestedBy: testRequester },
          { ...wait, onProgress: i === 0 ? (e) => progress.push(e) : undefined },
        ),
      ),
    );
    expect(new Set(reports.map((r) => JSON.stringify(r))).size).toBe(1);
    const report = reports[0];
    expect(report).toMatchObject({ direction: "up", from: null, to: "0004_set_default_avatar_url" });
    expect(report?.steps).toHaveLength(5);

    const rows = await historyOf(db.url);
    expect(rows.map((r) => r.revision)).toEqual(report?.steps.map((s) => s.revision));
    expect(rows.every((r) => r.direction === "up" && r.status === "ok")).toBe(true);
    const jobIds = new Set(rows.map((r) => r.appliedBy.jobId));
    expect(jobIds.size).toBe(1);
    expect(rows[0]?.appliedBy).toMatchObject({ via: "worker" });
    expect((await queue.getJob(String([...jobIds][0])))?.state).toBe("completed");

    expect(progress.filter((e) => e.type === "step-done")).toHaveLength(5);
  });

  it("answers a later upgrade with an empty report: nothing is pending", async () => {
    const report = await queue.enqueueAndAwait("upgrade", { requestedBy: testRequester }, wait);
    expect(report.steps).toEqual([]);
    expect(await historyOf(db.url)).toHaveLength(5);
  });

  let dump = "";
  it("takes a labelled backup", async () => {
    const info = await queue.enqueueAndAwait(
      "backup",
      { label: "before-tests", requestedBy: testRequester },
      wait,
    );
    expect(info).toMatchObject({ revision: "0004_set_default_avatar_url", label: "before-tests" });
    expect(existsSync(info.file)).toBe(true);
    dump = info.name;
  });

  it("rolls back to the previous revision behind a restore point, recording the job", async () => {
    const report = await queue.enqueueAndAwait("rollback", { to: "prev", requestedBy: testRequester }, wait);
    expect(report).toMatchObject({ direction: "down", to: "0003_add_user_avatar_url" });
    expect(report.backupFile && existsSync(report.backupFile)).toBe(true);
    const last = (await historyOf(db.url)).at(-1);
    expect(last).toMatchObject({ revision: "0004_set_default_avatar_url", direction: "down", status: "ok" });
    expect(last?.appliedBy.jobId).toEqual(expect.any(String));
  });

  it("restores the backup and reports the revision it brought back", async () => {
    const report = await queue.enqueueAndAwait("restore", { file: dump, requestedBy: testRequester }, wait);
    expect(report).toMatchObject({ revision: "0004_set_default_avatar_url", pending: [] });
    expect(report.safetyBackup && existsSync(report.safetyBackup)).toBe(true);
  });

  it("fails a restore of a file outside BACKUP_DIR with the engine's code", async () => {
    const err = await rejection(
      queue.enqueueAndAwait("restore", { file: "/etc/passwd", requestedBy: testRequester }, wait),
    );
    expect(err.code).toBe("TM_JOB_FAILED");
    expect(err.details.code).toMatch(/^TM_BACKUP_/);
  });
});
