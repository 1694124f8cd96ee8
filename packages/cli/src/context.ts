import { hostname } from "node:os";
import { migrationsDir as defaultMigrationsDir, schemaFile as defaultSchemaFile } from "@tidemark/db";
import {
  type Actor,
  type EngineConfig,
  type EngineContext,
  loadEngineConfig,
  TidemarkError,
} from "@tidemark/migrate";
import pino from "pino";
import pretty from "pino-pretty";
import { type CliConfig, loadCliConfig } from "./config.js";

/** Everything a command needs: the engine's context plus the CLI's own settings. */
export interface CliContext {
  engine: EngineContext;
  engineConfig: EngineConfig;
  config: CliConfig;
  logger: pino.Logger;
  /** The drizzle schema module that `create` and `init` read. */
  schemaFile: string;
}

/** A pino logger on stderr, so stdout stays for the command's own output (and `--json`). */
export function createLogger(level: string): pino.Logger {
  if (process.stderr.isTTY) {
    return pino({ level }, pretty({ destination: 2, sync: true, ignore: "pid,hostname" }));
  }
  return pino({ level }, pino.destination({ fd: 2, sync: true }));
}

/**
 * Refuse a DATABASE_URL that is a URL but not a PostgreSQL one (`user:secret` parses as a URL
 * with scheme `user:`), without echoing it: whatever it holds may be a password.
 */
function assertPostgresUrl(url: string): void {
  const protocol = URL.canParse(url) ? new URL(url).protocol : "";
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    throw new TidemarkError(
      "TM_CONFIG_INVALID",
      "DATABASE_URL must be a postgres:// (or postgresql://) connection string, e.g. postgres://user@127.0.0.1:5432/tidemark. Fix the variable and retry.",
    );
  }
}

/** Build the context from the environment; called by each command, so `--help` never needs a valid env. */
export function createCliContext(): CliContext {
  const engineConfig = loadEngineConfig();
  assertPostgresUrl(engineConfig.databaseUrl);
  const config = loadCliConfig();
  const logger = createLogger(config.logLevel);
  const actor: Actor = { via: "cli", host: hostname(), pid: process.pid };
  const engine: EngineContext = {
    databaseUrl: engineConfig.databaseUrl,
    migrationsDir: engineConfig.migrationsDir ?? defaultMigrationsDir,
    environment: engineConfig.environment,
    actor,
    logger,
    lockTimeoutMs: engineConfig.lockTimeoutMs,
    statementTimeoutMs: engineConfig.statementTimeoutMs,
    lockRetries: engineConfig.lockRetries,
    backupDir: engineConfig.backupDir,
    backupKeep: engineConfig.backupKeep,
  };
  return { engine, engineConfig, config, logger, schemaFile: config.schemaFile ?? defaultSchemaFile };
}
