import { spawn } from "node:child_process";
import { migrationsDir } from "@tidemark/db";
import {
  createEngineContext,
  type EngineContext,
  type HistoryRow,
  history,
  withDatabase,
} from "@tidemark/migrate";
import { addMigration, copyMigrations, memoryLogger } from "@tidemark/testkit";
import { assertBuilt, childEnv, ManagedProcess, workerMain } from "@tidemark/testkit/processes";

/** A requestedBy for test payloads. */
export const testRequester = { via: "test" as const, host: "vitest", pid: process.pid };

/** The revision the slow migration has, and the one after it. */
export const SLOW = "0005_slow_step";
export const AFTER_SLOW = "0006_after_slow";

/**
 * A copy of the seed migrations plus `0005_slow_step` (sleeps `seconds`) and
 * `0006_after_slow` (creates a table), to interrupt a run in a known place.
 */
export async function slowMigrations(seconds = 3): Promise<string> {
  const dir = await copyMigrations(migrationsDir);
  await addMigration(dir, SLOW, `SELECT pg_sleep(${seconds});\n`, "SELECT 1;\n");
  await addMigration(
    dir,
    AFTER_SLOW,
    'CREATE TABLE "after_slow" ("id" serial PRIMARY KEY);\n',
    'DROP TABLE "after_slow";\n',
  );
  return dir;
}

/** An engine context for reading a test database's history. */
export function readerContext(databaseUrl: string, dir = migrationsDir): EngineContext {
  return createEngineContext(
    { databaseUrl, migrationsDir: dir, environment: "test" },
    { via: "test", host: "vitest", pid: process.pid },
    memoryLogger(),
  );
}

/** `tidemark.history` oldest first. */
export async function historyOf(databaseUrl: string): Promise<HistoryRow[]> {
  return (await history(readerContext(databaseUrl), { limit: 1000 })).reverse();
}

/** Whether the engine ever touched the database (its state table exists). */
export async function hasStateTables(databaseUrl: string): Promise<boolean> {
  return withDatabase(databaseUrl, async (sql) => {
    const [row] = await sql<{ t: string | null }[]>`select to_regclass('tidemark.history')::text as t`;
    return row?.t != null;
  });
}

/**
 * Spawn the built worker with the testkit's process harness and a one-second stalled-job
 * check; does not wait for it to be ready.
 */
export function spawnWorker(env: Record<string, string>): ManagedProcess {
  assertBuilt(workerMain);
  const child = spawn(process.execPath, [workerMain], {
    env: childEnv({ TIDEMARK_WORKER_STALLED_MS: "1000", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new ManagedProcess("worker", child);
}
