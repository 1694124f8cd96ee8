import type postgres from "postgres";

/** A single-session postgres.js client: session state (locks, SETs) stays on one backend. */
export type Sql = postgres.Sql;

/** Open one session to `databaseUrl`, creating the database if it does not exist, and close it after `fn`. */
export async function withDatabase<T>(_databaseUrl: string, _fn: (sql: Sql) => Promise<T>): Promise<T> {
  throw new Error("not implemented yet");
}
