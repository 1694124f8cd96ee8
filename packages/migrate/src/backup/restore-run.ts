import { randomBytes } from "node:crypto";
import { engineDefaults } from "../config.js";
import { type Sql, sessionLost } from "../connection.js";
import { TidemarkError } from "../errors.js";
import { describeSessions } from "../session-query.js";
import type { EngineContext, ProgressEvent } from "../types.js";
import { PgToolFailure, type PgToolOptions, runPgTool, withToolConnection } from "./pgtools.js";

/** How often the session holding the migration lock is checked while a restore runs. */
export const HEARTBEAT_MS = 1000;

/**
 * Keeps the session that holds the migration lock alive and watched for a whole restore.
 * pg_restore runs on its own connection, so without this the lock session sits idle: a
 * terminated backend or `idle_session_timeout` would release the lock unnoticed, a second
 * restore would take it, and both would report success.
 */
export class LockGuard {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private beating = false;
  private lostCause: unknown = null;

  constructor(private readonly sql: Sql) {}

  /** Aborted as soon as the lock session is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the lock session was found lost. */
  get lost(): boolean {
    return this.signal.aborted;
  }

  /** Keep the session from idling out, then check it every {@link HEARTBEAT_MS}. */
  async start(): Promise<void> {
    // PostgreSQL 14+; older servers have no idle_session_timeout to fear.
    await this.sql`set idle_session_timeout = 0`.catch(() => {});
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
  }

  /** Stop checking. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Throw TM_SESSION_LOST if the lock session is gone (checked now, not only by the heartbeat). */
  assertHeld(what: string, name: string): void {
    if (!this.lost && sessionLost(this.sql)) this.controller.abort();
    if (this.lost) throw this.lostError(what, name);
  }

  /** The TM_SESSION_LOST a restore fails with; `what` says where the restore stood. */
  lostError(what: string, name: string, cause?: unknown): TidemarkError {
    return new TidemarkError(
      "TM_SESSION_LOST",
      `The session holding the migration lock was lost while restoring ${name} (its backend was terminated or timed out), so another run may have taken the lock. ${what} Nothing was written to tidemark.history. Check \`pnpm cli status\`, then run the restore again.`,
      { cause: cause ?? this.lostCause, details: { file: name } },
    );
  }

  private async beat(): Promise<void> {
    if (this.beating || this.lost) return;
    this.beating = true;
    try {
      // A closed backend is never queried again: postgres.js would reconnect without the lock.
      if (!sessionLost(this.sql)) await this.sql`select 1`;
    } catch (err) {
      this.lostCause = err;
    } finally {
      this.beating = false;
    }
    if (this.lostCause || sessionLost(this.sql)) this.controller.abort();
  }
}

/**
 * lock_timeout for pg_restore's session, enforced from outside. PGOPTIONS cannot do it:
 * pg_restore starts every restore with its own `SET lock_timeout = 0`. So the lock session
 * watches pg_restore's backend (found by a unique application_name) and cancels the statement
 * once it has waited for a lock longer than lock_timeout; the single transaction rolls back.
 */
class LockWaitWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** Set once a lock wait was cancelled: the failure that follows is a lock timeout. */
  timedOut = false;

  constructor(
    private readonly sql: Sql,
    private readonly applicationName: string,
    private readonly lockTimeoutMs: number,
  ) {}

  start(): void {
    const every = Math.max(50, Math.min(250, Math.floor(this.lockTimeoutMs / 4)));
    this.timer = setInterval(() => void this.poll(), every);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.timedOut || sessionLost(this.sql)) return;
    this.polling = true;
    try {
      // waitstart is PostgreSQL 14+; before that the statement's start bounds the wait.
      const [waiting] = await this.sql<{ pid: number }[]>`
        select a.pid from pg_stat_activity a join pg_locks l on l.pid = a.pid
        where a.application_name = ${this.applicationName} and not l.granted
          and clock_timestamp() - coalesce(l.waitstart, a.query_start) >= ${this.lockTimeoutMs} * interval '1 millisecond'
        limit 1`;
      if (waiting) {
        this.timedOut = true;
        await this.sql`select pg_cancel_backend(${waiting.pid})`;
      }
    } catch {
      // The lock guard reports a lost session; a failed poll is retried on the next tick.
    } finally {
      this.polling = false;
    }
  }
}

/** True when pg_restore failed because a lock could not be taken within lock_timeout. */
export function isLockTimeout(err: unknown): boolean {
  return err instanceof PgToolFailure && /lock timeout/i.test(err.stderr);
}

/** pg_restore in one transaction, once; a lock wait longer than `lockTimeoutMs` cancels it. */
async function restoreOnce(
  sql: Sql,
  ctx: EngineContext,
  file: string,
  options: PgToolOptions,
  guard: LockGuard,
  lockTimeoutMs: number,
): Promise<{ lockTimedOut: boolean; error: unknown }> {
  const applicationName = `tidemark-restore-${randomBytes(4).toString("hex")}`;
  const watchdog = lockTimeoutMs > 0 ? new LockWaitWatchdog(sql, applicationName, lockTimeoutMs) : null;
  watchdog?.start();
  try {
    await withToolConnection(ctx.databaseUrl, (dbname) => {
      const url = new URL(dbname);
      url.searchParams.set("application_name", applicationName);
      const args = ["--clean", "--if-exists", "--single-transaction", "--no-owner", `--dbname=${url}`, file];
      return runPgTool("pg_restore", args, { pgBin: options.pgBin, signal: guard.signal });
    });
    return { lockTimedOut: false, error: null };
  } catch (error) {
    return { lockTimedOut: Boolean(watchdog?.timedOut) || isLockTimeout(error), error };
  } finally {
    watchdog?.stop();
  }
}

/** A restore whose pg_restore waited for table locks longer than lock_timeout on every attempt. */
export class RestoreLockTimeout extends Error {
  override name = "RestoreLockTimeout";
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`pg_restore could not lock its tables within lock_timeout after ${attempts} attempts`);
  }
}

/**
 * pg_restore with a bounded lock wait, retried with backoff like a migration; killed when
 * `guard` aborts. Throws {@link RestoreLockTimeout} when every attempt timed out on a lock,
 * else the tool's failure.
 */
export async function runRestoreTool(
  sql: Sql,
  ctx: EngineContext,
  file: string,
  options: PgToolOptions & { onProgress?: (event: ProgressEvent) => void; revision: string },
  guard: LockGuard,
): Promise<void> {
  const lockTimeout = Math.trunc(ctx.lockTimeoutMs ?? engineDefaults.lockTimeoutMs);
  const retries = ctx.lockRetries ?? 3;
  for (let attempt = 1; ; attempt++) {
    const { lockTimedOut, error } = await restoreOnce(sql, ctx, file, options, guard, lockTimeout);
    if (!error) return;
    if (guard.lost || !lockTimedOut) throw error;
    if (attempt > retries) throw new RestoreLockTimeout(attempt, error);
    const delayMs = 500 * 2 ** (attempt - 1);
    const blockers = await restoreBlockers(sql).catch(() => []);
    ctx.logger.warn(
      { event: "restore.lock_timeout", file, attempt, delayMs, blockers },
      "lock timeout, retrying",
    );
    options.onProgress?.({
      type: "retry",
      revision: options.revision,
      attempt,
      delayMs,
      reason: "lock_timeout",
    });
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

/** Sessions holding table locks in this database, one per pid, their SQL without literals. */
export async function restoreBlockers(sql: Sql) {
  const rows = await sql<{ pid: number; state: string; query: string; tables: string[] }[]>`
    select a.pid, a.state, a.query, array_agg(distinct c.relname::text order by c.relname::text) as tables
    from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    join pg_class c on c.oid = l.relation
    where l.granted and l.locktype = 'relation' and a.pid <> pg_backend_pid() and c.relkind in ('r', 'p', 'm')
      and a.datname = current_database() and c.relnamespace <> 'pg_catalog'::regnamespace
      and a.application_name not like 'tidemark-restore-%'
    group by a.pid, a.state, a.query
    order by a.pid limit 5`;
  return describeSessions(rows);
}

/** TM_LOCK_TIMEOUT for a restore that never got its table locks; nothing was changed. */
export async function restoreLockTimeout(
  sql: Sql,
  name: string,
  target: string,
  attempts: number,
  cause: unknown,
): Promise<TidemarkError> {
  const blockers = await restoreBlockers(sql).catch(() => []);
  const named = blockers.map((b) => `pid ${b.pid} (${b.state}, locks ${b.tables.join(", ")}: ${b.query})`);
  return new TidemarkError(
    "TM_LOCK_TIMEOUT",
    `Restoring ${name} into ${target} could not lock its tables within lock_timeout after ${attempts} attempts. Blocked by ${named.join("; ") || "an unknown session"}. pg_restore ran in one transaction, so nothing was changed. Wait for that work to finish or end it with SELECT pg_terminate_backend(pid), then retry.`,
    { cause, details: { file: name, attempts, blockers } },
  );
}
