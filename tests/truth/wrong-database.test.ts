import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  runSql as query,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import {
  runCli as cli,
  type ManagedProcess,
  spawnApi,
  spawnWorker,
  stopAll,
  waitForHealth,
} from "@tidemark/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** A worker and a CLI that read different DATABASE_URLs must never report each other's runs. */

let a: { name: string; url: string };
let b: { name: string; url: string };
let backups: { dir: string };
let worker: ManagedProcess;
const prefix = uniqueQueuePrefix();

async function appliedRows(url: string): Promise<number> {
  const [table] = await query<{ present: boolean }>(
    url,
    "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
  );
  if (!table?.present) return 0;
  const [row] = await query<{ n: number }>(
    url,
    "select count(*)::int as n from drizzle.__drizzle_migrations",
  );
  return row?.n ?? -1;
}

beforeAll(async () => {
  [a, b] = await Promise.all([createTempDatabase("tm_wrongdb_a"), createTempDatabase("tm_wrongdb_b")]);
  backups = await tempDir("tm-wrongdb-");
  worker = await spawnWorker({
    DATABASE_URL: a.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    BACKUP_DIR: backups.dir,
  });
});

afterAll(async () => {
  await stopAll();
  await Promise.all([dropDatabase(a.name), dropDatabase(b.name)]);
  await dropQueuePrefix(prefix);
});

describe.sequential("a worker on database A and a CLI on database B", () => {
  const env = () => ({
    DATABASE_URL: b.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    BACKUP_DIR: backups.dir,
  });

  it("fails the upgrade with TM_WRONG_DATABASE naming both databases, and applies nothing to either", async () => {
    const r = await cli(["upgrade", "--yes"], env());
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain("TM_WRONG_DATABASE");
    expect(r.stderr).toContain(`This job is for database ${b.name}`);
    expect(r.stderr).toContain(`this worker serves ${a.name}`);
    expect(r.stdout).not.toContain("Upgraded");
    expect(r.stdout).not.toContain("Verified");
    expect(await appliedRows(a.url)).toBe(0);
    expect(await appliedRows(b.url)).toBe(0);
    expect(worker.logged("job refused")).toHaveLength(1);
  });

  it("prints the refusal as one JSON error document with --json", async () => {
    const r = await cli(["backup", "--json"], env());
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { code: string; message: string; details: Record<string, unknown> };
    expect(doc.code).toBe("TM_WRONG_DATABASE");
    expect(doc.details).toMatchObject({ wanted: { database: b.name }, served: { database: a.name } });
  });

  it("runs the job when the CLI points at the worker's own database", async () => {
    const r = await cli(["upgrade", "--yes"], { ...env(), DATABASE_URL: a.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Upgraded (base) → 0004_set_default_avatar_url");
    expect(await appliedRows(a.url)).toBe(5);
    expect(await appliedRows(b.url)).toBe(0);
  });

  it("keeps an API on database B from booting on the worker's run, and says which database the worker serves", async () => {
    const api = await spawnApi({
      DATABASE_URL: b.url,
      REDIS_URL: redisUrl,
      TIDEMARK_QUEUE_PREFIX: prefix,
      MIGRATE_ON_BOOT: "queue",
    });
    const degraded = await waitForHealth(
      api,
      (code) => code === 503 && api.logged(/initialization error/).length > 0,
    );
    expect(degraded).toMatchObject({ phase: "degraded", failure: { code: "TM_WRONG_DATABASE" } });
    const [line] = api.logged(/initialization error/);
    expect(JSON.stringify(line)).toContain(`this worker serves ${a.name}`);
    expect(await appliedRows(b.url)).toBe(0);
    await api.stop();
  });
});
