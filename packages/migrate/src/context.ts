import { hostname } from "node:os";
import { type EngineConfig, engineDefaults } from "./config.js";
import type { Sql } from "./connection.js";
import type { Actor, EngineContext, Logger } from "./types.js";

/** What {@link createEngineContext} needs: where the database and migrations are, the rest optional. */
export type EngineContextConfig = Pick<EngineConfig, "databaseUrl" | "migrationsDir"> &
  Partial<Omit<EngineConfig, "databaseUrl" | "migrationsDir">>;

/** Per-process extras of a context: the API's shared pool, a schema object, a lock wait. */
export interface EngineContextExtras {
  /** A caller-owned pool for read-only commands. */
  sql?: Sql;
  /** A drizzle schema object, instead of loading `schemaFile`. */
  schema?: Record<string, unknown>;
  lockWaitMs?: number;
  createDatabase?: boolean;
}

/** This process as the actor of a run, through `via` (a worker adds the job it runs). */
export function processActor(via: Actor["via"], job: Pick<Actor, "jobId" | "requestedBy"> = {}): Actor {
  const actor: Actor = { via, host: hostname(), pid: process.pid };
  if (job.jobId !== undefined) actor.jobId = job.jobId;
  if (job.requestedBy !== undefined) actor.requestedBy = job.requestedBy;
  return actor;
}

/**
 * The one way to assemble an {@link EngineContext}: configuration, actor and logger in.
 * Settings the config leaves out take the engine's defaults from config.ts.
 */
export function createEngineContext(
  config: EngineContextConfig,
  actor: Actor,
  logger: Logger,
  extras: EngineContextExtras = {},
): EngineContext {
  return {
    databaseUrl: config.databaseUrl,
    migrationsDir: config.migrationsDir,
    schemaFile: config.schemaFile,
    environment: config.environment ?? engineDefaults.environment,
    actor,
    logger,
    lockTimeoutMs: config.lockTimeoutMs ?? engineDefaults.lockTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs ?? engineDefaults.statementTimeoutMs,
    lockRetries: config.lockRetries ?? engineDefaults.lockRetries,
    backupDir: config.backupDir,
    backupKeep: config.backupKeep ?? engineDefaults.backupKeep,
    ...extras,
  };
}
