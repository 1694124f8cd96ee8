import { hostname } from "node:os";
import { migrationsDir } from "@tidemark/db";
import { type EngineContext, isMissingDatabase, type Sql } from "@tidemark/migrate";
import type { Logger } from "pino";
import type { ApiConfig } from "./config.js";

/** The engine context of this process: the API's own pool serves the read-only commands. */
export function engineContext(config: ApiConfig, logger: Logger, sql: Sql): EngineContext {
  const e = config.engine;
  return {
    databaseUrl: e.databaseUrl,
    migrationsDir: e.migrationsDir ?? migrationsDir,
    environment: e.environment,
    actor: { via: "api", host: hostname(), pid: process.pid },
    logger,
    lockTimeoutMs: e.lockTimeoutMs,
    statementTimeoutMs: e.statementTimeoutMs,
    lockRetries: e.lockRetries,
    backupDir: e.backupDir,
    backupKeep: e.backupKeep,
    sql,
  };
}

/**
 * Run a read-only engine command on the pool; if the database does not exist yet (the
 * upgrade will create it), run it once more on the engine's own session, which reports a
 * missing database as "nothing applied" instead of an error.
 */
export async function readWithFallback<T>(
  ctx: EngineContext,
  fn: (ctx: EngineContext) => Promise<T>,
): Promise<T> {
  try {
    return await fn(ctx);
  } catch (err) {
    if (!ctx.sql || !isMissingDatabase(err)) throw err;
    return fn({ ...ctx, sql: undefined });
  }
}
