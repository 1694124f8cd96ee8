import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { addMigration, adminUrl } from "@tidemark/testkit";
import {
  childEnv,
  cliMain,
  isRunning,
  kill9,
  ManagedProcess,
  spawnCli,
  waitForHealth,
} from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import {
  appliedCounts,
  backendsSleeping,
  drizzleRows,
  historyRows,
  migrateTo,
  orphansGone,
  sleepingBackend,
} from "./support/database.js";
import { createScenario, type Scenario, useScenarios } from "./support/scenario.js";

/** Run the CLI as `pnpm cli` does, so its hints name commands that way (see output.ts). */
const AS_PNPM_CLI = { npm_lifecycle_event: "cli" };

const NO_WORKER_MS = 3000;

/** A quick migration, then one that sleeps `seconds` inside its transaction. */
async function quickThenSlow(s: Scenario, seconds: number): Promise<void> {
  await addMigration(
    s.migrationsDir,
    "0005_add_user_nickname",
    'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n',
  );
  await addMigration(
    s.migrationsDir,
    "0006_slow_backfill",
    `SELECT pg_sleep(${seconds});\n--> statement-breakpoint\nCREATE INDEX "users_nickname_idx" ON "users" ("nickname");\n`,
  );
}

/** A database at 0004 with the migrations of `prepare` pending. */
async function scenarioAt0004(prepare: (s: Scenario) => Promise<void>): Promise<Scenario> {
  const s = await createScenario();
  await migrateTo(s.db.url, s.migrationsDir);
  await prepare(s);
  return s;
}

/** Upgrade jobs of the scenario's queue still waiting or running. */
async function unfinishedUpgrades(s: Scenario): Promise<unknown[]> {
  const r = await s.cli(["jobs", "--json"]);
  const jobs = JSON.parse(r.stdout) as { name: string; state: string }[];
  return jobs.filter((j) => j.name === "upgrade" && (j.state === "active" || j.state === "waiting"));
}

describe("a CLI waiting on a job whose worker was killed", () => {
  useScenarios();

  it("exits 1 with TM_NO_WORKER though the job is unfinished, and a worker started afterwards completes it once", {
    timeout: 120_000,
  }, async () => {
    const s = await scenarioAt0004((sc) => quickThenSlow(sc, 6));
    const worker = await s.worker();
    const cli = spawnCli(
      ["upgrade", "--yes"],
      s.env({ TIDEMARK_NO_WORKER_MS: String(NO_WORKER_MS), ...AS_PNPM_CLI }),
    );
    await sleepingBackend(s.db.name);
    await kill9(worker);
    const killedAt = Date.now();
    const { code } = await cli.exited;
    const waitedMs = Date.now() - killedAt;
    // Nothing finished the job (its worker is gone, no timeout is set): the CLI noticed the worker.
    expect(await unfinishedUpgrades(s)).toHaveLength(1);
    expect(code, cli.output()).toBe(1);
    const out = cli.output();
    const jobId = /Queued upgrade job (\S+);/.exec(out)?.[1];
    expect(jobId).toBeDefined();
    expect(out).toContain("TM_NO_WORKER");
    expect(out).toContain(`nothing is running the upgrade job ${jobId}`);
    expect(out).toContain(
      "The last migration it finished is 0005_add_user_nickname; it was running 0006_slow_backfill",
    );
    expect(out).toContain(
      "The job stays queued: when a worker starts, it takes the job over and resumes from the last applied revision.",
    );
    expect(out).toContain("pnpm --dir apps/migrator start");
    expect(out).toContain("`pnpm start`");
    expect(out).toContain("pnpm cli upgrade --direct");
    console.info(`CLI exited ${waitedMs} ms after the kill (TIDEMARK_NO_WORKER_MS=${NO_WORKER_MS})`);

    await orphansGone(s.db.name);
    const second = await s.worker();
    await second.waitForLog("job completed", 60_000);
    const completed = second.logged("job completed");
    expect(completed.map((l) => l.jobId)).toEqual([jobId]);
    expect(await drizzleRows(s.db.url)).toHaveLength(7);
    const counts = appliedCounts(await historyRows(s.db.url));
    expect(counts["0005_add_user_nickname"]).toBe(1);
    expect(counts["0006_slow_backfill"]).toBe(1);
  });
});

/** The CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
function spawnCliOnTerminal(args: string[], env: Record<string, string | undefined>): ManagedProcess {
  const command = [process.execPath, cliMain, ...args].join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: childEnv({ ...env, TERM: "xterm" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new ManagedProcess("cli on a terminal", child);
}

describe("a CLI on a terminal waiting on a job whose worker was killed", () => {
  useScenarios();

  it("says so and keeps waiting, says when a worker is back, and ends with the job's result", {
    timeout: 120_000,
  }, async () => {
    const s = await scenarioAt0004((sc) => quickThenSlow(sc, 6));
    const worker = await s.worker();
    const cli = spawnCliOnTerminal(["upgrade", "--yes"], s.env({ TIDEMARK_NO_WORKER_MS: "2000" }));
    await sleepingBackend(s.db.name);
    await kill9(worker);
    await cli.waitForLog(/No migrator worker has been connected to the queue for 2s/, 30_000);
    await cli.waitForLog(/Still waiting; Ctrl-C stops waiting and leaves the job queued\./);
    expect(isRunning(cli)).toBe(true);

    await orphansGone(s.db.name);
    await s.worker();
    await cli.waitForLog(/A worker is connected again/, 30_000);
    const { code } = await cli.exited;
    expect(code, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/Upgraded .*0006_slow_backfill/);
    expect(appliedCounts(await historyRows(s.db.url))["0006_slow_backfill"]).toBe(1);
  });
});

describe("a CLI waiting on a long migration with a live worker", () => {
  useScenarios();

  it("waits to the end, showing elapsed time and the migration's ctx.log lines as they happen", {
    timeout: 120_000,
  }, async () => {
    const s = await scenarioAt0004(async (sc) => {
      await addMigration(sc.migrationsDir, "0005_long_backfill", "");
      // A TypeScript migration: the journal entry with a .ts file instead of the .sql one.
      await rm(path.join(sc.migrationsDir, "0005_long_backfill.sql"));
      await writeFile(
        path.join(sc.migrationsDir, "0005_long_backfill.ts"),
        `export async function up(ctx) {
  ctx.log.info("backfill started");
  await ctx.sql\`select pg_sleep(22)\`;
  ctx.log.warn({ rows: 0 }, "backfill found nothing to do");
}
export async function down() {}
`,
      );
    });
    await s.worker();
    const cli = spawnCli(["upgrade", "--yes"], s.env({ TIDEMARK_NO_WORKER_MS: "1000" }));
    // The first log line arrives while the statement still sleeps.
    await cli.waitForLog(/0005_long_backfill: backfill started/, 30_000);
    expect(await backendsSleeping(adminUrl, s.db.name)).not.toEqual([]);
    const { code } = await cli.exited;
    const out = cli.output();
    expect(code, out).toBe(0);
    expect(out).toMatch(/… still on \[1\/1\] 0005_long_backfill \(10s\)/);
    expect(out).toMatch(/… still on \[1\/1\] 0005_long_backfill \(20s\)/);
    expect(out).toContain("0005_long_backfill: backfill found nothing to do");
    expect(out.indexOf("backfill found nothing to do")).toBeLessThan(
      out.indexOf("✔ [1/1] 0005_long_backfill"),
    );
    expect(out).not.toContain("TM_NO_WORKER");
    expect(appliedCounts(await historyRows(s.db.url))["0005_long_backfill"]).toBe(1);
  });

  it("leaves the job to the worker on Ctrl-C, says how to follow it, and the job completes", {
    timeout: 120_000,
  }, async () => {
    const s = await scenarioAt0004((sc) => quickThenSlow(sc, 4));
    const worker = await s.worker();
    const cli = spawnCli(["upgrade", "--yes"], s.env(AS_PNPM_CLI));
    await sleepingBackend(s.db.name);
    cli.child.kill("SIGINT");
    const { code } = await cli.exited;
    const out = cli.output();
    expect(code, out).toBe(130);
    const jobId = /Queued upgrade job (\S+);/.exec(out)?.[1];
    expect(out).toContain(`Stopped waiting; job ${jobId} was not cancelled. It is left to the worker.`);
    expect(out).toContain("pnpm cli jobs");
    expect(out).toContain(`GET /migrations/jobs/${jobId}`);
    const done = await worker.waitForLog("job completed", 60_000);
    expect(done.jobId).toBe(jobId);
    const counts = appliedCounts(await historyRows(s.db.url));
    expect(counts["0006_slow_backfill"]).toBe(1);
    const jobs = await s.cli(["jobs", "--json"]);
    expect(JSON.parse(jobs.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: jobId, state: "completed" })]),
    );
  });
});

describe("the API's boot wait on a job whose worker was killed", () => {
  useScenarios();

  it("turns degraded with TM_NO_WORKER though the job is unfinished, long before MIGRATE_TIMEOUT_MS", {
    timeout: 120_000,
  }, async () => {
    const s = await scenarioAt0004((sc) => quickThenSlow(sc, 6));
    const worker = await s.worker();
    const api = await s.api({ MIGRATE_TIMEOUT_MS: "600000", TIDEMARK_NO_WORKER_MS: String(NO_WORKER_MS) });
    await sleepingBackend(s.db.name);
    await kill9(worker);
    const body = await waitForHealth(api, (status, b) => status === 503 && b.phase === "degraded", 30_000);
    // The job is not over: the boot wait ended because no worker was left, not with the job.
    expect(await unfinishedUpgrades(s)).toHaveLength(1);
    expect(await drizzleRows(s.db.url)).toHaveLength(6);
    const failure = body.failure as { code: string; message: string };
    expect(failure.code).toBe("TM_NO_WORKER");
    expect(failure.message).toContain("The last migration it finished is 0005_add_user_nickname");
    expect(failure.message).toContain("resumes from the last applied revision");
    expect(failure.message).toContain("pnpm --dir apps/migrator start");
  });
});
