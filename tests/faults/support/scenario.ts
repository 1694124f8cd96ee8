import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedMigrations } from "@tidemark/db";
import {
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl as sharedRedisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import {
  type ApiProcess,
  type CliResult,
  kill9,
  type ManagedProcess,
  runCli,
  spawnApi,
  startWorker,
  type WorkerOptions,
} from "@tidemark/testkit/processes";
import { afterAll, afterEach } from "vitest";
import { migrateTo, schemaDump } from "./database.js";

/** A long random admin token for the API processes. */
export const ADMIN_TOKEN = "faults-admin-token-0123456789abcdef";

type Env = Record<string, string | undefined>;

/** One case's world: its own database, queue prefix, migrations copy and backup dir. */
export interface Scenario {
  db: { name: string; url: string };
  prefix: string;
  /** A temp copy of packages/db/migrations the case may extend. */
  migrationsDir: string;
  backupDir: string;
  /** Environment shared by every process of this scenario; `extra` overrides. */
  env(extra?: Env): Env;
  /** Start a worker (by default, wait until it takes jobs). */
  worker(extra?: Env, options?: WorkerOptions): Promise<ManagedProcess>;
  /** Start an API and wait until it listens (not until it is ready). */
  api(extra?: Env): Promise<ApiProcess>;
  /** Run the CLI to completion. */
  cli(args: string[], extra?: Env): Promise<CliResult>;
  /** Every process started here, for greps over all output. */
  procs: ManagedProcess[];
}

const scenarios: { cleanup: () => Promise<void>; stop: () => Promise<void> }[] = [];

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

/**
 * Create a scenario. `redisUrl` defaults to the shared Redis; a private one (support/redis.ts)
 * loses its keys when it is killed, so only the shared one needs its keys deleted.
 */
export async function createScenario(options: { redisUrl?: string } = {}): Promise<Scenario> {
  const redisUrl = options.redisUrl ?? sharedRedisUrl;
  const db = await createTempDatabase("tm_faults");
  const prefix = uniqueQueuePrefix();
  const migrationsDir = await copyMigrations(seedMigrations);
  const backups = await tempDir("tm-faults-backups-");
  const backupDir = path.join(backups.dir, "backups");
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  const procs: ManagedProcess[] = [];

  const env = (extra: Env = {}): Env => ({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_MIGRATIONS_DIR: migrationsDir,
    TIDEMARK_ENV: "faults",
    BACKUP_DIR: backupDir,
    ADMIN_TOKEN,
    // A killed worker's job is picked up again about a second later instead of 30 s.
    TIDEMARK_WORKER_STALLED_MS: "1000",
    TIDEMARK_NO_WORKER_MS: "3000",
    ...extra,
  });
  const killAll = async () => {
    await Promise.all(procs.map(kill9));
  };

  const scenario: Scenario = {
    db,
    prefix,
    migrationsDir,
    backupDir,
    env,
    procs,
    async worker(extra, options) {
      const worker = await startWorker(env(extra), options);
      procs.push(worker);
      return worker;
    },
    async api(extra) {
      const api = await spawnApi(env(extra));
      procs.push(api);
      return api;
    },
    cli(args, extra) {
      return runCli(args, env(extra));
    },
  };

  scenarios.push({
    stop: killAll,
    cleanup: async () => {
      await killAll();
      await Promise.all([
        dropDatabase(db.name),
        redisUrl === sharedRedisUrl ? dropQueuePrefix(prefix) : Promise.resolve(),
        rm(migrationsDir, { recursive: true, force: true }),
        backups.cleanup(),
      ]);
    },
  });
  return scenario;
}

/** GET/POST against an API; returns the status, the parsed JSON body (if any) and the raw text. */
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
