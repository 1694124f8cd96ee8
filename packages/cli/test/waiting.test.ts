import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import { blockingConnection, QUEUE_NAME } from "@tidemark/jobs";
import {
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { type Job, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatElapsed, lineMarks } from "../src/heartbeat.js";
import { duration } from "../src/help.js";
import { runCli } from "./run-cli.js";

describe("--timeout durations", () => {
  it("reads ms, s, m and h, and 0 as no limit", () => {
    expect(duration("500ms")).toBe(500);
    expect(duration("90s")).toBe(90_000);
    expect(duration("1.5m")).toBe(90_000);
    expect(duration("2h")).toBe(7_200_000);
    expect(duration("0")).toBe(0);
  });

  it("rejects a number without a unit and anything else", () => {
    for (const bad of ["90", "5x", "-1s", "", "1 h"]) expect(() => duration(bad)).toThrow(/duration/);
  });
});

describe("elapsed time", () => {
  it("reads as seconds, then minutes, then hours", () => {
    expect(formatElapsed(9_999)).toBe("9s");
    expect(formatElapsed(185_000)).toBe("3m 05s");
    expect(formatElapsed(3_720_000)).toBe("1h 02m");
  });

  it("is printed off a terminal every 10 s for a minute, then once a minute", () => {
    const due = lineMarks();
    const shown = [];
    for (let ms = 0; ms <= 200_000; ms += 1000) if (due(ms)) shown.push(ms / 1000);
    expect(shown).toEqual([10, 20, 30, 40, 50, 60, 120, 180]);
  });
});

describe("a hard limit on the wait", () => {
  let db: { name: string; url: string };
  let worker: Worker;
  let env: Record<string, string>;
  const prefix = uniqueQueuePrefix();
  const started: string[] = [];

  beforeAll(async () => {
    db = await createTempDatabase("tm_cli_wait");
    env = { DATABASE_URL: db.url, REDIS_URL: redisUrl, TIDEMARK_QUEUE_PREFIX: prefix, BACKUP_DIR: "/tmp" };
    // A worker that is alive and busy for as long as the test runs: only the limit ends the wait.
    worker = new Worker(
      QUEUE_NAME,
      async (job: Job) => {
        started.push(job.id ?? "");
        await new Promise((r) => setTimeout(r, 30_000));
      },
      { connection: blockingConnection(redisUrl), prefix, concurrency: 5 },
    );
    await worker.waitUntilReady();
  });

  afterAll(async () => {
    await worker.close(true);
    await dropDatabase(db.name);
    await dropQueuePrefix(prefix);
  });

  it("ends with TM_QUEUE_TIMEOUT after --timeout, saying the job keeps going and how to follow it", async () => {
    const r = await runCli(["backup", "--timeout", "1s"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TM_QUEUE_TIMEOUT");
    expect(r.stderr).toContain("did not finish within 1000 ms");
    expect(r.stderr).toContain("pnpm cli jobs");
    const jobId = /Queued backup job (\S+);/.exec(r.stdout)?.[1];
    expect(started).toContain(jobId);
  });

  it("takes the same limit from TIDEMARK_JOB_TIMEOUT_MS", async () => {
    const r = await runCli(["backup"], { ...env, TIDEMARK_JOB_TIMEOUT_MS: "1200" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("did not finish within 1200 ms");
  });

  it("refuses a --timeout that is not a duration as a usage error", async () => {
    const r = await runCli(["backup", "--timeout", "soon"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a duration such as 90s, 30m or 2h, got "soon"');
  });

  it("documents --timeout and both variables in the help", async () => {
    const r = await runCli(["upgrade", "--help"], env);
    expect(r.stdout).toContain("--timeout <duration>");
    const top = await runCli(["--help"], env);
    expect(top.stdout).toContain("TIDEMARK_JOB_TIMEOUT_MS");
    expect(top.stdout).toContain("TIDEMARK_NO_WORKER_MS");
  });
});

/** A copy of the seed migrations plus a TypeScript one whose `up` is `body`. */
async function withCodeMigration(tag: string, body: string): Promise<string> {
  const dir = await copyMigrations(migrationsDir);
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: Record<string, unknown>[] };
  const last = journal.entries.at(-1) as { when: number };
  journal.entries.push({ ...last, idx: journal.entries.length, when: last.when + 1000, tag });
  await writeFile(journalFile, JSON.stringify(journal, null, 2));
  await writeFile(path.join(dir, `${tag}.ts`), `export async function up(ctx) {\n${body}\n}\n`);
  return dir;
}

describe("ctx.log with --direct", () => {
  it("shows each line of the migration once: info in the progress, warnings through the logger", async () => {
    const db = await createTempDatabase("tm_cli_ctxlog");
    try {
      const dir = await withCodeMigration(
        "0005_logs",
        'ctx.log.info("copying rows"); ctx.log.warn("12 rows had no email");',
      );
      const r = await runCli(["upgrade", "--direct", "--yes"], {
        DATABASE_URL: db.url,
        TIDEMARK_MIGRATIONS_DIR: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("│ 0005_logs: copying rows");
      const all = r.stdout + r.stderr;
      expect(all.split("12 rows had no email").length - 1).toBe(1);
    } finally {
      await dropDatabase(db.name);
    }
  });
});
