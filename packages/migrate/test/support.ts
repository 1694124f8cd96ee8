import { execFile } from "node:child_process";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { migrationsDir as seedDir } from "@tidemark/db";
import { memoryLogger } from "@tidemark/testkit";
import type { EngineContext } from "../src/types.js";

const exec = promisify(execFile);

/** An engine context for a test database, recording log lines. */
export function testContext(databaseUrl: string, overrides: Partial<EngineContext> = {}) {
  const logger = memoryLogger();
  const ctx: EngineContext = {
    databaseUrl,
    migrationsDir: seedDir,
    environment: "test",
    actor: { via: "test", host: "localhost", pid: process.pid },
    logger,
    lockTimeoutMs: 1000,
    lockRetries: 1,
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

/** Append a migration to a copy of a migrations folder (journal entry + files). */
export async function addMigration(
  dir: string,
  tag: string,
  up: string,
  down?: string,
  options: { when?: number; ext?: "sql" | "ts" } = {},
): Promise<void> {
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as {
    entries: { idx: number; when: number; tag: string; version: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1);
  journal.entries.push({
    idx: journal.entries.length,
    version: "7",
    when: options.when ?? (last ? last.when + 1000 : Date.now()),
    tag,
    breakpoints: true,
  });
  await writeFile(journalFile, JSON.stringify(journal, null, 2));
  await writeFile(path.join(dir, `${tag}.${options.ext ?? "sql"}`), up);
  if (down !== undefined) await writeFile(path.join(dir, `${tag}.down.sql`), down);
}

/** Change an applied migration's file on disk. */
export async function editFile(dir: string, tag: string, extra: string): Promise<void> {
  await appendFile(path.join(dir, `${tag}.sql`), extra);
}
