import postgres from "postgres";
import { TidemarkError } from "./errors.js";
import { quoteIdent } from "./quote.js";
import { databaseName, describeDatabaseUrl } from "./redact.js";
import type { EngineContext } from "./types.js";

/** A postgres.js client. Sessions opened by {@link withDatabase} have exactly one backend. */
export type Sql = postgres.Sql;

/** Options of {@link withDatabase}. */
export interface SessionOptions {
  /** Create the database when it does not exist (every command that migrates); read-only commands leave it alone. */
  create?: boolean;
}

/** A notice PostgreSQL sent a session, as postgres.js hands it over. */
export type Notice = { message?: string } & Record<string, unknown>;
/** Who listens to each session's notices (at most one: the executor, while a batch runs). */
const noticeListeners = new WeakMap<Sql, (notice: Notice) => void>();

/** Hear the notices `sql` receives until the returned function is called. */
export function onNotice(sql: Sql, listener: (notice: Notice) => void): () => void {
  noticeListeners.set(sql, listener);
  return () => {
    if (noticeListeners.get(sql) === listener) noticeListeners.delete(sql);
  };
}

/** How many times each session's backend connection closed; postgres.js reconnects silently. */
const closures = new WeakMap<Sql, number>();
/** The closure count at the moment each session took the migration lock. */
const lockedAt = new WeakMap<Sql, number>();

function openSession(url: string): Sql {
  const sql: Sql = postgres(url, {
    onclose: () => closures.set(sql, (closures.get(sql) ?? 0) + 1),
    // One backend for the whole run, never recycled: advisory locks and SETs are session state.
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 10,
    onnotice: (notice) => noticeListeners.get(sql)?.(notice as Notice),
    connection: { application_name: "tidemark" },
  });
  return sql;
}

/** Remember that `sql` holds the migration lock on its current backend. */
export function markLocked(sql: Sql): void {
  lockedAt.set(sql, closures.get(sql) ?? 0);
}

/** True once the session's backend connection closed: it must not be used again. */
export function sessionLost(sql: Sql): boolean {
  return (closures.get(sql) ?? 0) > (lockedAt.get(sql) ?? 0);
}

/**
 * Fail if the backend that took the migration lock is gone. postgres.js reconnects on the
 * next query, but the new backend holds neither the lock nor the session's timeouts, so
 * carrying on would migrate unguarded.
 */
export function assertSessionAlive(sql: Sql): void {
  const locked = lockedAt.get(sql);
  if (locked === undefined || locked === (closures.get(sql) ?? 0)) return;
  throw new TidemarkError(
    "TM_SESSION_LOST",
    "The connection to PostgreSQL was lost during the run, and the migration lock with it. Nothing more was applied; run the command again (it resumes from the last applied revision).",
  );
}

/** Why a connection failed, in words that never echo the server's reply to a wrong password. */
export function connectionFailureReason(cause: unknown): string {
  const pg = cause as { code?: string; message?: string };
  return pg.code === "28P01" || pg.code === "28000" ? "authentication failed" : (pg.message ?? String(cause));
}

/** Map connection failures to a message naming host and database, never the password. */
export function connectionError(url: string, cause: unknown): TidemarkError {
  const where = describeDatabaseUrl(url);
  const pg = cause as { code?: string };
  const reason = connectionFailureReason(cause);
  return new TidemarkError(
    "TM_DB_UNREACHABLE",
    `Cannot connect to PostgreSQL at ${where}: ${reason}. Check DATABASE_URL and that the server is running.`,
    { cause, details: { database: where, pgCode: pg.code } },
  );
}

async function createDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = openSession(admin.toString());
  const name = databaseName(url);
  try {
    await sql.unsafe(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (cause) {
    // Another process created it between our check and now: that is the outcome we wanted.
    if ((cause as { code?: string }).code === "42P04") return;
    const privilege = (cause as { code?: string }).code === "42501" ? " (the role needs CREATEDB)" : "";
    throw new TidemarkError(
      "TM_DB_CREATE_FAILED",
      `Database ${describeDatabaseUrl(url)} does not exist and could not be created${privilege}. Create it by hand or grant CREATEDB.`,
      { cause },
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Open one session to `url` (creating the database first if asked), run `fn`, always close it. */
export async function withDatabase<T>(
  url: string,
  fn: (sql: Sql) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  let sql = openSession(url);
  try {
    try {
      await sql`select 1`;
    } catch (cause) {
      if ((cause as { code?: string }).code !== "3D000" || !options.create) throw connectionError(url, cause);
      await sql.end({ timeout: 5 });
      await createDatabase(url);
      sql = openSession(url);
      await sql`select 1`.catch((err: unknown) => {
        throw connectionError(url, err);
      });
    }
    return await fn(sql);
  } finally {
    // A client whose backend died can keep an internal ROLLBACK pending forever: don't wait.
    await sql.end({ timeout: sessionLost(sql) ? 0 : 5 });
  }
}

/** For read-only commands: reuse the caller's pool (`ctx.sql`, e.g. the API's) or open a session. */
export async function withReader<T>(ctx: EngineContext, fn: (sql: Sql) => Promise<T>): Promise<T> {
  if (ctx.sql) return fn(ctx.sql);
  return withDatabase(ctx.databaseUrl, fn);
}

/** True when `err` is PostgreSQL's "database does not exist". */
export function isMissingDatabase(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code === "3D000" || e.cause?.code === "3D000";
}
