import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type EngineContext, upgrade } from "@tidemark/migrate";
import { adminUrl, eventually, memoryLogger, withSql } from "@tidemark/testkit";

const exec = promisify(execFile);

/** A row of `tidemark.history`, as the cases assert on it. */
export interface HistoryEntry {
  id: number;
  revision: string;
  direction: string;
  status: string;
  error: string | null;
  applied_by: Record<string, unknown>;
  backup_file: string | null;
}

export { withSql };

/**
 * `pg_dump --schema-only` of a database, comparable across databases: recent pg_dump prints
 * `\restrict <random key>` / `\unrestrict` lines, which differ on every run.
 */
export async function schemaDump(url: string): Promise<string> {
  const { stdout } = await exec(
    "pg_dump",
    ["--schema-only", "--no-owner", "--no-privileges", `--dbname=${url}`],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout
    .split("\n")
    .filter((l) => !/^\\(un)?restrict\b/.test(l))
    .join("\n");
}

/** Every row of `tidemark.history` in insertion order (empty before the first migration). */
export async function historyRows(url: string): Promise<HistoryEntry[]> {
  return withSql(url, async (sql) => {
    const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('tidemark.history') is not null as ok`;
    if (!exists?.ok) return [];
    return sql<HistoryEntry[]>`
      select id::int, revision, direction, status, error, applied_by, backup_file
      from tidemark.history order by id`;
  });
}

/** `drizzle.__drizzle_migrations` rows (created_at, hash) in apply order. */
export async function drizzleRows(url: string): Promise<{ created_at: string; hash: string }[]> {
  return withSql(url, async (sql) => {
    const [exists] = await sql<{ ok: boolean }[]>`
      select to_regclass('drizzle.__drizzle_migrations') is not null as ok`;
    if (!exists?.ok) return [];
    return sql<{ created_at: string; hash: string }[]>`
      select created_at::text, hash from drizzle.__drizzle_migrations order by created_at, id`;
  });
}

/** How many times each revision was applied successfully ('up', 'ok'), by revision. */
export function appliedCounts(rows: HistoryEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) {
    if (r.direction === "up" && r.status === "ok") counts[r.revision] = (counts[r.revision] ?? 0) + 1;
  }
  return counts;
}

/** Columns of a table, sorted, from the catalog. */
export async function columnsOf(url: string, table: string): Promise<string[]> {
  return withSql(url, async (sql) => {
    const rows = await sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = ${table} order by column_name`;
    return rows.map((r) => r.column_name);
  });
}

/** An engine context for preparing state in-process (setup only; the cases drive the real processes). */
export function setupContext(databaseUrl: string, migrationsDir: string, backupDir?: string): EngineContext {
  return {
    databaseUrl,
    migrationsDir,
    environment: "faults",
    actor: { via: "test", host: "faults", pid: process.pid },
    logger: memoryLogger(),
    backupDir,
  };
}

/** Bring a database to `to` (default: newest) in-process, as setup for a case. */
export async function migrateTo(databaseUrl: string, migrationsDir: string, to?: string): Promise<void> {
  await upgrade(setupContext(databaseUrl, migrationsDir), { to });
}

/** Pids of backends in database `name` whose current query matches `pattern` (ILIKE). */
export async function backendsRunning(adminUrl: string, name: string, pattern: string): Promise<number[]> {
  return withSql(adminUrl, async (sql) => {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = ${name} and state = 'active' and query ilike ${pattern} and pid <> pg_backend_pid()`;
    return rows.map((r) => r.pid);
  });
}

/**
 * Backends of database `name` inside `pg_sleep`. Found by wait event, not query text: a query
 * holding several migrations (sent together) is longer than pg_stat_activity keeps of it.
 */
export async function backendsSleeping(adminUrl: string, name: string): Promise<number[]> {
  return withSql(adminUrl, async (sql) => {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = ${name} and wait_event = 'PgSleep' and pid <> pg_backend_pid()`;
    return rows.map((r) => r.pid);
  });
}

/** The pid of a backend of database `name` sleeping inside the slow migration (other than `except`), once there is one. */
export function sleepingBackend(name: string, except: number[] = []): Promise<number> {
  return eventually(
    async () => (await backendsSleeping(adminUrl, name)).find((p) => !except.includes(p)),
    "a backend inside the slow migration",
    60_000,
    50,
  );
}

/**
 * Wait until no backend of database `name` is inside the slow migration: after a worker's kill,
 * PostgreSQL notices the lost client (the engine sets client_connection_check_interval) and rolls
 * the orphaned transaction back.
 */
export async function orphansGone(name: string): Promise<void> {
  await eventually(
    async () => (await backendsSleeping(adminUrl, name)).length === 0,
    "the orphaned backend to end",
  );
}
