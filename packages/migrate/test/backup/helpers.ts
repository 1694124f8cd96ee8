import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { promisify } from "node:util";
import { migrationsDir } from "@tidemark/db";
import { memoryLogger, runSql, withSql } from "@tidemark/testkit";
import { expect } from "vitest";
import { TidemarkError } from "../../src/errors.js";
import type { EngineContext } from "../../src/types.js";

const exec = promisify(execFile);

/** An engine context for a test database and backup directory, recording log lines. */
export function backupContext(
  databaseUrl: string,
  backupDir: string,
  overrides: Partial<EngineContext> = {},
) {
  const logger = memoryLogger();
  const ctx: EngineContext = {
    databaseUrl,
    migrationsDir,
    environment: "test",
    actor: { via: "test", host: "localhost", pid: process.pid },
    logger,
    backupDir,
    lockTimeoutMs: 1000,
    lockRetries: 1,
    ...overrides,
  };
  return { ctx, logger };
}

/** Fill every seed table with rows, so a round trip has data to lose. */
export async function seedRows(url: string, users = 50, categories = 10): Promise<void> {
  await withSql(url, async (sql) => {
    await sql`insert into users (username, email, avatar_url)
      select 'user' || g || '_' || md5(random()::text), 'u' || g || '_' || md5(random()::text) || '@example.com', '/a/' || g || '.png'
      from generate_series(1, ${users}) g`;
    await sql`insert into categories (name) select 'category ' || g from generate_series(1, ${categories}) g`;
  });
}

export { runSql };

/**
 * What "the database is unchanged" means here: `pg_dump --schema-only` of every schema, plus
 * the row count of every table except `tidemark.history` (which a restore appends to on purpose).
 */
export async function fingerprint(url: string): Promise<{ schema: string; rows: Record<string, number> }> {
  const { stdout } = await exec("pg_dump", ["--schema-only", "--no-owner", url], { maxBuffer: 64 << 20 });
  const schema = stdout
    .split("\n")
    // pg_dump 15.14+ wraps its output in \\restrict <random key> lines that differ on every run.
    .filter((l) => !l.startsWith("--") && !/^\\(un)?restrict /.test(l))
    .join("\n");
  const tables = await runSql<{ name: string }>(
    url,
    `select quote_ident(schemaname) || '.' || quote_ident(tablename) as name from pg_tables
     where schemaname not in ('pg_catalog', 'information_schema') and (schemaname, tablename) <> ('tidemark', 'history')
     order by 1`,
  );
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const [r] = await runSql<{ n: number }>(url, `select count(*)::int as n from ${name}`);
    rows[name] = r?.n ?? -1;
  }
  return { schema, rows };
}

/** Try to mount a tmpfs at `dir` (root only); returns an unmount function, or null when not possible. */
export async function mountTmpfs(dir: string, options: string): Promise<(() => Promise<void>) | null> {
  await mkdir(dir, { recursive: true });
  try {
    await exec("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  } catch {
    return null;
  }
  return async () => {
    await exec("umount", [dir]);
  };
}

/** Await a promise that must reject with a TidemarkError of `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<TidemarkError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TidemarkError);
  expect((err as TidemarkError).code).toBe(code);
  return err as TidemarkError;
}
