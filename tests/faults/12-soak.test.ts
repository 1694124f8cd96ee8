import { readdir, readFile } from "node:fs/promises";
import { createMigrationsQueue, currentRequester, type MigrationsQueue } from "@tidemark/jobs";
import { redisUrl } from "@tidemark/testkit";
import { isRunning, type ManagedProcess } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { drizzleRows, type HistoryEntry, historyRows, migrateTo, schemaDump } from "./support/database.js";
import { createScenario, referenceSchema, type Scenario, useScenarios } from "./support/scenario.js";

/** One request of a soak client. */
type Op = "cli-upgrade" | "cli-backup" | "upgrade" | "backup" | "rollback+upgrade";

/**
 * Per client: 100 requests. Spawning 300 CLI processes would cost minutes of CPU on two
 * cores, so each client runs 10 through the real CLI and the rest through @tidemark/jobs,
 * the library the CLI itself enqueues with. A rollback+upgrade pair counts as two jobs.
 */
const MIX: Record<Op, number> = {
  "cli-upgrade": 5,
  "cli-backup": 5,
  upgrade: 35,
  backup: 25,
  "rollback+upgrade": 15,
};
const CLIENTS = 3;

/** A deterministic shuffle (mulberry32), so every run interleaves the same way per client. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Resident set size of a process in MiB, from /proc. */
async function rssMiB(proc: ManagedProcess): Promise<number> {
  const status = await readFile(`/proc/${proc.child.pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Every revision's successful rows alternate up, down, up…, starting and ending with up. */
function inconsistencies(rows: HistoryEntry[]): string[] {
  const byRevision = new Map<string, string[]>();
  for (const r of rows) {
    if (r.status !== "ok" || (r.direction !== "up" && r.direction !== "down")) continue;
    byRevision.set(r.revision, [...(byRevision.get(r.revision) ?? []), r.direction]);
  }
  const problems: string[] = [];
  for (const [revision, directions] of byRevision) {
    directions.forEach((d, i) => {
      if (d !== (i % 2 === 0 ? "up" : "down")) problems.push(`${revision}: ${d} at position ${i}`);
    });
    if (directions.at(-1) !== "up") problems.push(`${revision}: ends rolled back`);
  }
  return problems;
}

async function runClient(s: Scenario, queue: MigrationsQueue, ops: Op[], jobIds: string[]): Promise<void> {
  const requestedBy = currentRequester("test");
  const job = async <N extends "upgrade" | "rollback" | "backup">(
    name: N,
    payload: Record<string, unknown>,
  ): Promise<void> => {
    const { jobId } = await queue.enqueue(name, { ...payload, requestedBy } as never);
    jobIds.push(jobId);
    await queue.awaitJob(jobId, { timeoutMs: 60_000 });
  };
  for (const op of ops) {
    if (op === "cli-upgrade" || op === "cli-backup") {
      const run = await s.cli(op === "cli-upgrade" ? ["upgrade", "--yes"] : ["backup"]);
      if (run.code !== 0) throw new Error(`${op} exited ${run.code}: ${run.stderr}`);
    } else if (op === "upgrade") await job("upgrade", {});
    else if (op === "backup") await job("backup", {});
    else {
      await job("rollback", { to: "prev" });
      await job("upgrade", {});
    }
  }
}

describe("case 12: soak, 300 mixed jobs from 3 concurrent clients against 2 workers", () => {
  useScenarios();

  it("completes every job with a consistent history and a stable worker RSS", {
    timeout: 240_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    const expectedSchema = await referenceSchema(s.migrationsDir);
    const workers = await Promise.all([s.worker(), s.worker()]);
    const rssStart = await Promise.all(workers.map(rssMiB));

    const queue = createMigrationsQueue({ redisUrl, prefix: s.prefix });
    const jobIds: string[] = [];
    const perClientApiJobs = MIX.upgrade + MIX.backup + 2 * MIX["rollback+upgrade"];
    try {
      const plan = Object.entries(MIX).flatMap(([op, n]) => Array.from({ length: n }, () => op as Op));
      const started = performance.now();
      // RSS once halfway through, to tell warm-up (first half) from a leak (growth that continues).
      let rssMid: number[] = [];
      const halfway = CLIENTS * perClientApiJobs;
      const sampler = setInterval(() => {
        if (rssMid.length === 0 && jobIds.length >= halfway / 2) {
          rssMid = [Number.NaN];
          void Promise.all(workers.map(rssMiB)).then((v) => {
            rssMid = v;
          });
        }
      }, 100);
      await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) => runClient(s, queue, shuffled(plan, i + 1), jobIds)),
      ).finally(() => clearInterval(sampler));
      const seconds = (performance.now() - started) / 1000;
      const rssEnd = await Promise.all(workers.map(rssMiB));

      // Clients may finish with a rollback of one racing another's upgrade: bring it level.
      await queue.enqueueAndAwait(
        "upgrade",
        { requestedBy: currentRequester("test") },
        { timeoutMs: 60_000 },
      );

      const requests = CLIENTS * (Object.values(MIX).reduce((a, b) => a + b, 0) + MIX["rollback+upgrade"]);
      expect(requests).toBe(300);
      expect(jobIds).toHaveLength(CLIENTS * perClientApiJobs);
      const counts = await queue.counts();
      expect(counts).toMatchObject({ failed: 0, active: 0, waiting: 0, delayed: 0 });
      // The oldest results were trimmed by count (200), yet awaiting them still answers.
      expect(await queue.getJob(jobIds[0] as string)).toBeNull();
      await expect(queue.awaitJob(jobIds[0] as string, { timeoutMs: 10_000 })).resolves.toBeDefined();

      const history = await historyRows(s.db.url);
      expect(history.filter((r) => r.status !== "ok")).toEqual([]);
      expect(inconsistencies(history)).toEqual([]);
      const rolledBack = history.filter((r) => r.direction === "down").length;
      expect(rolledBack).toBeGreaterThanOrEqual(CLIENTS * MIX["rollback+upgrade"]);
      expect(history.filter((r) => r.direction === "down" && !r.backup_file)).toEqual([]);
      expect(await drizzleRows(s.db.url)).toHaveLength(5);
      expect(await schemaDump(s.db.url)).toBe(expectedSchema);

      // Retention kept BACKUP_DIR bounded and no partial file survived.
      const files = await readdir(s.backupDir);
      expect(files.filter((f) => f.endsWith(".partial"))).toEqual([]);
      expect(files.filter((f) => f.endsWith(".dump")).length).toBeLessThanOrEqual(21);

      for (const w of workers) expect(isRunning(w)).toBe(true);
      console.info(
        `case 12: ${requests} requests in ${seconds.toFixed(1)} s; ${rolledBack} rollbacks; worker RSS start ${rssStart.join(" / ")} MiB, halfway ${rssMid.join(" / ")} MiB, end ${rssEnd.join(" / ")} MiB`,
      );
      rssEnd.forEach((end, i) => {
        // Generous: a leak of ~0.5 MiB per job would exceed it; warm-up growth does not.
        expect(end - (rssStart[i] as number)).toBeLessThan(80);
      });
    } finally {
      await queue.close();
    }
  });
});
