import type { Sql } from "./connection.js";
import { LOCK_NOT_AVAILABLE, TidemarkError } from "./errors.js";

/**
 * How long a read of the catalog waits for a table lock. Deparsing a column default or an
 * index (`pg_get_expr`, `pg_get_indexdef`) opens the table, so a session holding an exclusive
 * lock would otherwise hang `status` — the command people run when something is stuck.
 */
export const CATALOG_LOCK_WAIT_MS = 3000;

/** Sessions holding an exclusive lock on a table, without their SQL. */
async function exclusiveHolders(sql: Sql): Promise<{ pid: number; table: string; application: string }[]> {
  return sql<{ pid: number; table: string; application: string }[]>`
    select l.pid, l.relation::regclass::text as table, coalesce(a.application_name, '') as application
    from pg_locks l join pg_stat_activity a using (pid)
    where l.locktype = 'relation' and l.mode = 'AccessExclusiveLock' and l.granted
      and l.pid <> pg_backend_pid() and l.database = (select oid from pg_database where datname = current_database())
    order by l.pid`;
}

/** Run catalog reads under a bounded lock wait; a table held exclusively becomes TM_LOCK_TIMEOUT naming its holder. */
export async function readCatalog<T>(sql: Sql, read: (conn: Sql) => Promise<T>): Promise<T> {
  // A connection of its own with a session setting, not a transaction: the reads catch
  // "table missing" errors on a database never migrated, which would abort a transaction.
  const conn = await sql.reserve();
  try {
    await conn.unsafe(`set lock_timeout = ${CATALOG_LOCK_WAIT_MS}`);
    try {
      return await read(conn as unknown as Sql);
    } finally {
      await conn.unsafe("reset lock_timeout").catch(() => {});
      conn.release();
    }
  } catch (err) {
    if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
    const holders = await exclusiveHolders(sql).catch(() => []);
    const who = holders.length
      ? holders
          .map((h) => `pid ${h.pid}${h.application ? ` (${h.application})` : ""} on ${h.table}`)
          .join(", ")
      : "another session";
    throw new TidemarkError(
      "TM_LOCK_TIMEOUT",
      `The schema could not be read: ${who} holds an exclusive lock, and reading waited ${CATALOG_LOCK_WAIT_MS / 1000} s. Retry when it commits, or end that session (pg_terminate_backend).`,
      { cause: err, details: { holders } },
    );
  }
}
