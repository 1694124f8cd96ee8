import type { Sql } from "./connection.js";
import type { LockHolder } from "./reports.js";
import type { EngineContext } from "./types.js";

/** Hold the session-level migration advisory lock for the duration of `fn` (waits for other holders). */
export async function withMigrationLock<T>(
  _sql: Sql,
  _ctx: EngineContext,
  _fn: () => Promise<T>,
): Promise<T> {
  throw new Error("not implemented yet");
}

/** Who holds the migration lock right now, if anyone. */
export async function lockHolder(_sql: Sql): Promise<LockHolder | null> {
  throw new Error("not implemented yet");
}
