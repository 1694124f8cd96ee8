import { execFile } from "node:child_process";
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { migrationsDir as seedDir, schemaFile as seedSchemaFile } from "@tidemark/db";
import { memoryLogger } from "@tidemark/testkit";
import { createEngineContext } from "../src/context.js";
import { isTidemarkError, type TidemarkError } from "../src/errors.js";
import type { EngineContext } from "../src/types.js";

const exec = promisify(execFile);

/** An engine context for a test database, recording log lines. */
export function testContext(databaseUrl: string, overrides: Partial<EngineContext> = {}) {
  const logger = memoryLogger();
  const ctx: EngineContext = {
    ...createEngineContext(
      {
        databaseUrl,
        migrationsDir: seedDir,
        schemaFile: seedSchemaFile,
        environment: "test",
        lockTimeoutMs: 1000,
        lockRetries: 1,
      },
      { via: "test", host: "localhost", pid: process.pid },
      logger,
    ),
    ...overrides,
  };
  return { ctx, logger };
}

/** `pg_dump --schema-only` of the application's schema (bookkeeping schemas excluded). */
export async function schemaDump(databaseUrl: string): Promise<string> {
  const { stdout } = await exec("pg_dump", [
    "--schema-only",
    "--no-owner",
    "--exclude-schema=drizzle",
    "--exclude-schema=tidemark",
    databaseUrl,
  ]);
  // Strip comments and the random \restrict tokens that recent pg_dump releases print.
  return stdout
    .split("\n")
    .filter((l) => !l.startsWith("--") && !/^\\(un)?restrict /.test(l))
    .join("\n");
}

export { addMigration } from "@tidemark/testkit";

/** Change an applied migration's file on disk. */
export async function editFile(dir: string, tag: string, extra: string): Promise<void> {
  await appendFile(path.join(dir, `${tag}.sql`), extra);
}

/** The TidemarkError `promise` rejects with; anything else (or no failure at all) fails the test. */
export async function failure(promise: Promise<unknown>): Promise<TidemarkError> {
  const err = await promise.then(
    () => new Error("expected a failure"),
    (e: unknown) => e,
  );
  if (!isTidemarkError(err)) throw err;
  return err;
}
