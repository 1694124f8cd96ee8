import { writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedMigrations } from "@tidemark/db";
import {
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import {
  type CliResult,
  kill9,
  type ManagedProcess,
  runCli,
  spawnCli,
  startWorker,
} from "@tidemark/testkit/processes";
import { afterAll } from "vitest";

type Env = Record<string, string | undefined>;

/** A target as the targets file lists it, with the database it points at. */
export interface Target {
  name: string;
  url: string;
  passwordEnv?: string;
  /** The database's name when this file created it (dropped afterwards). */
  db?: string;
}

/** One test's fleet: its databases, its queue prefix, its migrations copy, its processes. */
export interface Fleet {
  prefix: string;
  /** The workers' and CLI's DATABASE_URL (required by their config; no target uses it). */
  control: { name: string; url: string };
  migrationsDir: string;
  targetsFile: string;
  targets: Target[];
  procs: ManagedProcess[];
  env(extra?: Env): Env;
  /** Rewrite the targets file (e.g. to add targets that point nowhere). */
  setTargets(targets: Target[]): Promise<void>;
  worker(extra?: Env, name?: string): Promise<ManagedProcess>;
  cli(args: string[], extra?: Env): Promise<CliResult>;
  /** The CLI in the background, for a run something happens to while it goes. */
  spawnCli(args: string[], extra?: Env): ManagedProcess;
}

const cleanups: (() => Promise<void>)[] = [];

/** `fn` over `items`, at most `limit` at once: creating or dropping 50 databases one by one is slow. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Kill the file's processes and drop its databases, queue keys and folders after the file. */
export function useFleets(): void {
  // Generous: each DROP DATABASE waits for a checkpoint, slow while the server is busy.
  afterAll(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  }, 180_000);
}

/** Target names t01, t02, … in list order. */
export function targetName(i: number): string {
  return `t${String(i + 1).padStart(2, "0")}`;
}

/** A fleet of `count` empty databases (each a target), with a targets file listing them in order. */
export async function createFleet(count: number, options: { passwordEnv?: string } = {}): Promise<Fleet> {
  const dbs = await mapLimit([...Array(count + 1).keys()], 8, () => createTempDatabase("tm_fleet"));
  const [control, ...rest] = dbs as [{ name: string; url: string }, ...{ name: string; url: string }[]];
  const targets: Target[] = rest.map((d, i) => ({
    name: targetName(i),
    url: d.url,
    db: d.name,
    ...(options.passwordEnv ? { passwordEnv: options.passwordEnv } : {}),
  }));
  const prefix = uniqueQueuePrefix();
  const migrationsDir = await copyMigrations(seedMigrations);
  const work = await tempDir("tm-fleet-");
  const targetsFile = path.join(work.dir, "targets.json");
  const procs: ManagedProcess[] = [];
  const env = (extra: Env = {}): Env => ({
    DATABASE_URL: control.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_MIGRATIONS_DIR: migrationsDir,
    TIDEMARK_TARGETS: targetsFile,
    TIDEMARK_ENV: "fleet-e2e",
    BACKUP_DIR: path.join(work.dir, "backups"),
    // A killed worker's children are picked up again about a second later instead of 8 s.
    TIDEMARK_WORKER_STALLED_MS: "1000",
    ...extra,
  });
  const fleet: Fleet = {
    prefix,
    control,
    migrationsDir,
    targetsFile,
    targets,
    procs,
    env,
    async setTargets(list) {
      fleet.targets = list;
      const entries = list.map(({ name, url, passwordEnv }) => ({ name, url, passwordEnv }));
      await writeFile(targetsFile, JSON.stringify({ targets: entries }, null, 2));
    },
    async worker(extra, name = `worker${procs.length + 1}`) {
      const worker = await startWorker(env(extra), { name });
      procs.push(worker);
      return worker;
    },
    cli: (args, extra) => runCli(args, env(extra), 90_000),
    spawnCli(args, extra) {
      const cli = spawnCli(args, env(extra));
      procs.push(cli);
      return cli;
    },
  };
  await fleet.setTargets(targets);
  cleanups.push(async () => {
    await Promise.all(procs.map(kill9));
    const names = [control.name, ...fleet.targets.flatMap((t) => (t.db ? [t.db] : []))];
    await Promise.all([
      // Concurrent drops share the checkpoint each DROP DATABASE waits for: 51 take two rounds.
      mapLimit([...new Set(names)], 26, dropDatabase),
      dropQueuePrefix(prefix),
      work.cleanup(),
    ]);
  });
  return fleet;
}
