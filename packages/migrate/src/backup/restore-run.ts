import { type Sql, sessionLost } from "../connection.js";
import { TidemarkError } from "../errors.js";
import { DEFAULT_LOCK_TIMEOUT_MS } from "../session.js";
import { describeSessions } from "../session-query.js";
import type { EngineContext, ProgressEvent } from "../types.js";
import {
  PgToolFailure,
  type PgToolOptions,
  runPgTool,
  withSessionSettings,
  withToolConnection,
} from "./pgtools.js";

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

/** True when pg_restore failed because a lock could not be taken within lock_timeout. */
export function isLockTimeout(err: unknown): boolean {
  return err instanceof PgToolFailure && /lock timeout/i.test(err.stderr);
}

/**
 * `pg_restore --single-transaction` with the session's lock_timeout (libpq `options`, as
 * PGOPTIONS would set it), retried with backoff like a migration; killed when `guard` aborts.
 * Throws the last PgToolFailure when the retries run out.
 */
export async function runRestoreTool(
  ctx: EngineContext,
  file: string,
  options: PgToolOptions & { onProgress?: (event: ProgressEvent) => void; revision: string },
  guard: LockGuard,
): Promise<number> {
  const lockTimeout = Math.trunc(ctx.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const retries = ctx.lockRetries ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      await withToolConnection(ctx.databaseUrl, (dbname) => {
        const url = lockTimeout > 0 ? withSessionSettings(dbname, { lock_timeout: lockTimeout }) : dbname;
        const args = [
          "--clean",
          "--if-exists",
          "--single-transaction",
          "--no-owner",
          `--dbname=${url}`,
          file,
        ];
        return runPgTool("pg_restore", args, { pgBin: options.pgBin, signal: guard.signal });
      });
      return attempt;
    } catch (err) {
      if (guard.lost || !isLockTimeout(err) || attempt > retries) throw err;
      const delayMs = 500 * 2 ** (attempt - 1);
      ctx.logger.warn({ event: "restore.lock_timeout", file, attempt, delayMs }, "lock timeout, retrying");
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
}

/** Sessions holding table locks in this database, their SQL without literals. */
export async function restoreBlockers(sql: Sql) {
  const rows = await sql<{ pid: number; state: string; query: string; relname: string; mode: string }[]>`
    select distinct a.pid, a.state, a.query, c.relname, l.mode
    from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    join pg_class c on c.oid = l.relation
    where l.granted and l.locktype = 'relation' and a.pid <> pg_backend_pid()
      and a.datname = current_database() and c.relnamespace <> 'pg_catalog'::regnamespace
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
  const named = blockers.map((b) => `pid ${b.pid} (${b.state}, holds ${b.mode} on ${b.relname}: ${b.query})`);
  return new TidemarkError(
    "TM_LOCK_TIMEOUT",
    `Restoring ${name} into ${target} could not lock its tables within lock_timeout after ${attempts} attempts. Blocked by ${named.join("; ") || "an unknown session"}. pg_restore ran in one transaction, so nothing was changed. Wait for that work to finish or end it with SELECT pg_terminate_backend(pid), then retry.`,
    { cause, details: { file: name, attempts, blockers } },
  );
}
