import { engineDefaults } from "./config.js";
import { markLocked, type Sql, sessionLost } from "./connection.js";
import { TidemarkError } from "./errors.js";
import type { LockHolder } from "./reports.js";
import { describeSessions, normalizeQuery } from "./session-query.js";
import type { EngineContext } from "./types.js";

/**
 * The advisory-lock key every Tidemark process agrees on: "tide" in ASCII. Session-level,
 * so it survives the per-migration transactions and dies with the connection on a crash.
 */
export const MIGRATION_LOCK_KEY = 0x74696465;

const POLL_MS = 50;

/** Hold the migration lock for the duration of `fn`; waits while another process holds it. */
export async function withMigrationLock<T>(
  sql: Sql,
  ctx: EngineContext,
  fn: () => Promise<T>,
  options: { waitMs?: number } = {},
): Promise<T> {
  const waitMs = options.waitMs ?? ctx.lockWaitMs ?? engineDefaults.lockWaitMs;
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    const [row] = await sql<{ ok: boolean }[]>`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as ok`;
    if (row?.ok) {
      markLocked(sql);
      break;
    }
    const expired = Date.now() >= deadline;
    // Who holds it is only worth a catalog query when we say so: once, and on giving up.
    // Without its query: naming pid and application is enough here, and normalizing the query
    // would load the SQL parser (tens of MB) into every worker that ever waits.
    const holder = expired || !announced ? await lockHolder(sql, { query: false }) : null;
    if (expired) {
      throw new TidemarkError(
        "TM_LOCK_BUSY",
        `Another migration run (pid ${holder?.pid ?? "?"}, ${holder?.applicationName ?? "unknown"}) has held the migration lock for over ${Math.round(waitMs / 1000)}s. Check it with \`pnpm cli status\`; if it is stuck, end it with SELECT pg_terminate_backend(${holder?.pid ?? "<pid>"}).`,
        { details: { holder } },
      );
    }
    if (!announced) {
      ctx.logger.info({ holder }, "waiting for the migration lock held by another run");
      announced = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    // If the session died the lock died with it, and the client must not be used again.
    if (!sessionLost(sql)) await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
  }
}

/**
 * Who holds the migration lock in this database right now, if anyone; with `query`, what it
 * runs, without its literals.
 */
export async function lockHolder(sql: Sql, options: { query?: boolean } = {}): Promise<LockHolder | null> {
  const [row] = await sql<
    {
      pid: number;
      application_name: string;
      client_addr: string | null;
      since: Date | null;
      query: string | null;
    }[]
  >`
    select a.pid, a.application_name, host(a.client_addr) as client_addr, a.backend_start as since, a.query
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = ${MIGRATION_LOCK_KEY} and l.objsubid = 1
      and l.database = (select oid from pg_database where datname = current_database())
    limit 1`;
  if (!row) return null;
  const withQueries = options.query !== false;
  return {
    pid: row.pid,
    applicationName: row.application_name,
    clientAddr: row.client_addr,
    since: row.since ? row.since.toISOString() : null,
    // Another session's SQL: shown without its literals.
    query: withQueries ? await normalizeQuery(row.query) : null,
    blockedBy: withQueries ? await blockersOf(sql, row.pid) : [],
  };
}

/** Who the lock holder waits on: what an operator must end or wait for when a run seems stuck. */
async function blockersOf(sql: Sql, pid: number): Promise<LockHolder["blockedBy"]> {
  const rows = await sql<{ pid: number; state: string | null; query: string | null }[]>`
    select pid, state, query from pg_stat_activity where pid = any(pg_blocking_pids(${pid})) order by pid`;
  return describeSessions(rows);
}
