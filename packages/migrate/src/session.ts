import { engineDefaults } from "./config.js";
import type { Sql } from "./connection.js";
import type { EngineContext } from "./types.js";

/** Apply the migrating session's timeouts (defaults in config.ts). */
export async function configureSession(sql: Sql, ctx: EngineContext): Promise<void> {
  const lockTimeout = ctx.lockTimeoutMs ?? engineDefaults.lockTimeoutMs;
  const statementTimeout = ctx.statementTimeoutMs ?? engineDefaults.statementTimeoutMs;
  await sql
    .unsafe(
      `set lock_timeout = ${Math.trunc(lockTimeout)}; set statement_timeout = ${Math.trunc(statementTimeout)}`,
    )
    .simple();
  // PostgreSQL 14+: notice a vanished client during a long statement (e.g. a killed worker's
  // CREATE INDEX CONCURRENTLY) and cancel it rather than finish work nobody will record.
  await sql`set client_connection_check_interval = 2000`.catch(() => {});
}

/** Invalid indexes (e.g. left by an interrupted CREATE INDEX CONCURRENTLY), as schema-qualified names. */
export async function invalidIndexes(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where not i.indisvalid and n.nspname not in ('pg_catalog', 'information_schema')
    order by 1`;
  return rows.map((r) => r.name);
}
