import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedMigrations } from "@tidemark/db";
import {
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  redisUrl as sharedRedisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach } from "vitest";
import { migrateTo, schemaDump } from "./database.js";
import {
  type CliResult,
  entryPoints,
  eventually,
  freePort,
  type Proc,
  runCli,
  type SpawnOptions,
  spawnNode,
} from "./processes.js";

/** A long random admin token for the API processes. */
export const ADMIN_TOKEN = "faults-admin-token-0123456789abcdef";

/** A running API process and its base URL. */
export interface ApiProc extends Proc {
  url: string;
  port: number;
}

/** One case's world: its own database, queue prefix, migrations copy and backup dir. */
export interface Scenario {
  db: { name: string; url: string };
  prefix: string;
  /** A temp copy of packages/db/migrations the case may extend. */
  migrationsDir: string;
  backupDir: string;
  /** Environment shared by every process of this scenario; `extra` overrides. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** Start a worker and wait until it is ready to take jobs. */
  worker(
    extra?: Record<string, string | undefined>,
    options?: { waitReady?: boolean } & SpawnOptions,
  ): Promise<Proc>;
  /** Start an API and wait until it listens (not until it is ready). */
  api(extra?: Record<string, string | undefined>): Promise<ApiProc>;
  /**
   * Stand in for systemd/Kubernetes: when `worker` exits on its own, start another one.
   * Resolves with the replacement (null when the case ended first).
   */
  supervise(worker: Proc, extra?: Record<string, string | undefined>): Promise<Proc | null>;
  /** Run the CLI to completion. */
  cli(args: string[], extra?: Record<string, string | undefined>): Promise<CliResult>;
  /** Every process started here, for greps over all output. */
  procs: Proc[];
}

const scenarios: { cleanup: () => Promise<void>; stop: () => Promise<void> }[] = [];

/** Delete every key of a BullMQ prefix on `url`. */
export async function deleteQueueKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== "0");
  } catch {
    // A private Redis that is already gone has no keys to remove.
  } finally {
    client.disconnect();
  }
}

/**
 * Register cleanup hooks for the calling test file: processes are killed after each test
 * (after the file with `perFile`), databases, queue keys and temp dirs removed after the file.
 */
export function useScenarios(options: { perFile?: boolean } = {}): void {
  if (!options.perFile) {
    afterEach(async () => {
      await Promise.all(scenarios.map((s) => s.stop()));
    });
  }
  afterAll(async () => {
    await Promise.all(scenarios.splice(0).map((s) => s.cleanup()));
  });
}

/** Create a scenario; `redisUrl` defaults to the shared Redis. */
export async function createScenario(options: { redisUrl?: string } = {}): Promise<Scenario> {
  const redisUrl = options.redisUrl ?? sharedRedisUrl;
  const db = await createTempDatabase("tm_faults");
  const prefix = uniqueQueuePrefix();
  const migrationsDir = await copyMigrations(seedMigrations);
  const backups = await tempDir("tm-faults-backups-");
  const backupDir = path.join(backups.dir, "backups");
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  const procs: Proc[] = [];
  let stopped = false;

  const env = (extra: Record<string, string | undefined> = {}) => ({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_MIGRATIONS_DIR: migrationsDir,
    TIDEMARK_ENV: "faults",
    BACKUP_DIR: backupDir,
    LOG_LEVEL: "info",
    // A killed worker's job is picked up again about a second later instead of 30 s.
    TIDEMARK_WORKER_STALLED_MS: "1000",
    TIDEMARK_NO_WORKER_MS: "3000",
    ...extra,
  });

  const scenario: Scenario = {
    db,
    prefix,
    migrationsDir,
    backupDir,
    env,
    procs,
    async worker(extra, opts = {}) {
      const proc = spawnNode("worker", entryPoints.worker, [], env(extra), opts);
      procs.push(proc);
      if (opts.waitReady !== false) {
        await proc.waitForLog((l) => l.msg === "migrator worker ready", "migrator worker ready");
      }
      return proc;
    },
    async api(extra) {
      const port = await freePort();
      const proc = spawnNode(
        "api",
        entryPoints.api,
        [],
        env({ PORT: String(port), HOST: "127.0.0.1", ADMIN_TOKEN, ...extra }),
      );
      procs.push(proc);
      const url = `http://127.0.0.1:${port}`;
      await eventually(async () => {
        if (!proc.running) throw new Error(`api exited:\n${proc.stdout()}\n${proc.stderr()}`);
        return (await fetch(`${url}/health/live`)).ok;
      }, "the API to listen");
      return Object.assign(proc, { url, port });
    },
    async supervise(worker, extra) {
      await worker.exited;
      return stopped ? null : scenario.worker(extra);
    },
    async cli(args, extra) {
      return runCli(args, env(extra));
    },
  };

  scenarios.push({
    stop: async () => {
      stopped = true;
      await Promise.all(procs.map((p) => p.kill("SIGKILL")));
    },
    cleanup: async () => {
      stopped = true;
      await Promise.all(procs.map((p) => p.kill("SIGKILL")));
      await Promise.all([
        dropDatabase(db.name),
        deleteQueueKeys(redisUrl, prefix),
        rm(migrationsDir, { recursive: true, force: true }),
        backups.cleanup(),
      ]);
    },
  });
  return scenario;
}

/** GET/POST JSON against an API; returns status and parsed body. */
export async function http(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (e.g. /metrics): callers read `text`.
  }
  return { status: res.status, body, text };
}

/** Poll an API until `/health/ready` answers 200; returns the boot snapshot. */
export async function untilReady(api: ApiProc, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      const r = await http(`${api.url}/health/ready`);
      return r.status === 200 ? r.body : null;
    },
    `${api.name} on :${api.port} to be ready`,
    timeoutMs,
    200,
  );
}

/** The schema a clean run produces: migrate a throw-away database in-process and dump it. */
export async function referenceSchema(migrationsDir: string, to?: string): Promise<string> {
  const db = await createTempDatabase("tm_faults_ref");
  try {
    await migrateTo(db.url, migrationsDir, to);
    return await schemaDump(db.url);
  } finally {
    await dropDatabase(db.name);
  }
}
