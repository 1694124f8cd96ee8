import { statSync } from "node:fs";
import path from "node:path";
import {
  createFleetClient,
  currentRequester,
  type FleetClient,
  type FleetPayload,
  type FleetView,
} from "@tidemark/jobs";
import { createLogger } from "@tidemark/migrate";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigratorConfig } from "../src/config.js";
import { type Migrator, startMigrator } from "../src/worker.js";
import { historyOf, slowMigrations } from "./helpers.js";

// A hash-tagged prefix, as Redis Cluster needs: every key of the fleet must carry the tag.
const prefix = `{${uniqueQueuePrefix()}}`;
const queue = { redisUrl, prefix };
let dbs: { name: string; url: string }[];
let backups: { dir: string; cleanup: () => Promise<void> };
let migrator: Migrator;
let client: FleetClient;

beforeAll(async () => {
  dbs = await Promise.all([1, 2, 3, 4].map(() => createTempDatabase("tmfleet")));
  backups = await tempDir("tm-fleet-backups-");
  const config = loadMigratorConfig({
    DATABASE_URL: dbs[0]?.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    BACKUP_DIR: backups.dir,
    // Long enough that a cancel sent once t0 is seen running lands before its wave ends, under load too.
    TIDEMARK_MIGRATIONS_DIR: await slowMigrations(1.5),
    TIDEMARK_FLEET_CONCURRENCY: "2",
  });
  migrator = startMigrator(config, createLogger({ level: "silent" }));
  await migrator.worker.waitUntilReady();
  client = createFleetClient(queue);
});

afterAll(async () => {
  await client?.close();
  await migrator?.stop("test done");
  await dropQueuePrefix(prefix);
  await Promise.all((dbs ?? []).map((d) => dropDatabase(d.name)));
  await backups?.cleanup();
});

function plan(waves: string[][], input: FleetPayload["input"] = {}): FleetPayload {
  return {
    targets: dbs.map((d, i) => ({ name: `t${i}`, url: d.url })),
    canary: [],
    waves,
    maxFailures: 0,
    requestedBy: currentRequester("test"),
    resumes: 0,
    input,
  } as FleetPayload;
}

async function until(fleetId: string, done: (v: FleetView) => boolean): Promise<FleetView> {
  for (;;) {
    const view = await client.get(fleetId);
    if (view && done(view)) return view;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const finished = (v: FleetView) => v.report.status !== "running";

describe("fleet runs in one worker", () => {
  it("cancel starts no new target; resume runs the skipped ones and completes, each migration applied once", async () => {
    const { fleetId } = await client.start("fleet-upgrade", plan([["t0"], ["t1"], ["t2", "t3"]]));
    await until(fleetId, (v) => v.report.targets[0]?.status === "running");
    await client.cancel(fleetId);
    const cancelled = await until(fleetId, finished);
    expect(cancelled.report.status).toBe("cancelled");
    expect(cancelled.error?.code).toBe("TM_FLEET_CANCELLED");
    // The running target finished; the later waves never started.
    expect(cancelled.report.targets.map((t) => t.status)).toEqual([
      "applied",
      "not-started",
      "not-started",
      "not-started",
    ]);
    expect(await client.resume(fleetId)).toMatchObject({ resumes: 1 });
    const resumed = await until(fleetId, finished);
    expect(resumed.report.status).toBe("completed");
    expect(resumed.report.counts.applied).toBe(4);
    for (const db of dbs) {
      const ups = (await historyOf(db.url)).filter((r) => r.direction === "up" && r.status === "ok");
      expect(new Set(ups.map((r) => r.revision)).size).toBe(ups.length);
      expect(ups).toHaveLength(7);
    }
  });

  it("refuses a second run while one is running", async () => {
    const { fleetId } = await client.start("fleet-backup", plan([["t0", "t1", "t2", "t3"]]));
    await expect(client.start("fleet-upgrade", plan([["t0", "t1", "t2", "t3"]]))).rejects.toMatchObject({
      code: "TM_FLEET_BUSY",
    });
    const done = await until(fleetId, finished);
    expect(done.report.status).toBe("completed");
    // Each target's dump lands in its own folder, private to its owner.
    for (const t of done.report.targets) {
      expect(t.backupFile).toBeTruthy();
      const file = path.join(backups.dir, t.target, t.backupFile ?? "");
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
  });

  it("keeps every key under the hash-tagged prefix, so Redis Cluster puts them in one slot", async () => {
    const redis = new Redis(redisUrl);
    try {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== "0");
      expect(keys.length).toBeGreaterThan(10);
      expect(keys.filter((k) => !k.startsWith(`${prefix}:`))).toEqual([]);
      expect(keys.some((k) => k.startsWith(`${prefix}:migrations-fleet:`))).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
