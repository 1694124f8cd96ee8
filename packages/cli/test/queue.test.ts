import { migrationsDir } from "@tidemark/db";
import { blockingConnection, QUEUE_NAME, toJobError } from "@tidemark/jobs";
import { type EngineContext, type StatusReport, TidemarkError, upgrade } from "@tidemark/migrate";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  memoryLogger,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { type Job, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

let db: { name: string; url: string };
let backups: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const prefix = uniqueQueuePrefix();

async function current(): Promise<string | null> {
  const r = await runCli(["status", "--json"], env);
  return (JSON.parse(r.stdout) as StatusReport).current;
}

beforeAll(async () => {
  db = await createTempDatabase("tm_cli_queue");
  backups = await tempDir("tm-cli-queue-");
  env = {
    DATABASE_URL: db.url,
    BACKUP_DIR: backups.dir,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_NO_WORKER_MS: "300",
  };
  const r = await runCli(["upgrade", "--direct", "--to", "0002"], env);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await dropDatabase(db.name);
  await backups.cleanup();
  await dropQueuePrefix(prefix);
});

describe.sequential("enqueue mode without a worker", () => {
  it("says no worker took the job, suggests --direct and starting the worker, and withdraws the rollback", async () => {
    const r = await runCli(["rollback", "prev", "--yes"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Queued rollback job");
    expect(r.stderr).toContain("TM_NO_WORKER");
    expect(r.stderr).toContain("--direct");
    expect(r.stderr).toContain("pnpm --dir apps/migrator start");
    expect(r.stderr).toContain("withdrawn");
    expect(await current()).toBe("0002_increase_username_length");
  });

  it("reports an unreachable Redis with its password masked and suggests --direct", async () => {
    const r = await runCli(["backup"], { ...env, REDIS_URL: "redis://:hunter2pw@127.0.0.1:1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TM_REDIS_UNAVAILABLE");
    expect(r.stderr).toContain("--direct");
    expect(r.stdout + r.stderr).not.toContain("hunter2pw");
  });
});

describe.sequential("enqueue mode with a worker", () => {
  let worker: Worker;

  beforeAll(async () => {
    const ctx: EngineContext = {
      databaseUrl: db.url,
      migrationsDir,
      environment: "test",
      actor: { via: "worker", host: "vitest", pid: process.pid },
      logger: memoryLogger(),
    };
    // A stand-in for apps/migrator speaking the same contract: real upgrades with progress,
    // and a backup that fails the way the engine would, to check the CLI's exit codes.
    worker = new Worker(
      QUEUE_NAME,
      async (job: Job) => {
        if (job.name === "upgrade") {
          return upgrade(
            { ...ctx, actor: { ...ctx.actor, jobId: job.id } },
            { to: job.data.to, onProgress: (e) => void job.updateProgress(e) },
          );
        }
        throw toJobError(
          new TidemarkError("TM_BACKUP_PATH", "BACKUP_DIR points outside the allowed area (test)."),
        );
      },
      { connection: blockingConnection(redisUrl), prefix, concurrency: 1 },
    );
    await worker.waitUntilReady();
  });

  afterAll(async () => {
    await worker.close();
  });

  it("streams the worker's progress step by step and exits 0 with the verified result", async () => {
    const r = await runCli(["upgrade", "--yes"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Queued upgrade job");
    expect(r.stdout).toContain("✔ [1/2] 0003_add_user_avatar_url");
    expect(r.stdout).toContain("✔ [2/2] 0004_set_default_avatar_url");
    expect(r.stdout).toContain("Verified");
    expect(await current()).toBe("0004_set_default_avatar_url");
  });

  it("exits with the engine's own code and message when the job fails in the worker", async () => {
    const r = await runCli(["backup"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("BACKUP_DIR points outside the allowed area (test).");
    expect(r.stderr).toContain("TM_BACKUP_PATH");
  });

  it("lists the jobs with their outcome, and only the failed ones with --failed", async () => {
    const all = await runCli(["jobs", "--json"], env);
    expect(all.code, all.stderr).toBe(0);
    const jobs = JSON.parse(all.stdout) as { name: string; state: string }[];
    expect(jobs.map((j) => [j.name, j.state])).toEqual(
      expect.arrayContaining([
        ["upgrade", "completed"],
        ["backup", "failed"],
      ]),
    );
    const failed = await runCli(["jobs", "--failed"], env);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toContain("TM_BACKUP_PATH");
    expect(failed.stdout).not.toContain("upgrade");
  });
});
