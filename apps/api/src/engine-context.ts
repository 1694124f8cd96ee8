import {
  createEngineContext,
  type EngineContext,
  isMissingDatabase,
  processActor,
  type Sql,
} from "@tidemark/migrate";
import type { Logger } from "pino";
import type { ApiConfig } from "./config.js";

/** The engine context of this process: the API's own pool serves the read-only commands. */
export function engineContext(config: ApiConfig, logger: Logger, sql: Sql): EngineContext {
  return createEngineContext(config.engine, processActor("api"), logger, { sql });
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
