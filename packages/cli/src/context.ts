// Single engine modules, not the whole engine: `status` and `history` need only these.
import { createEngineContext, processActor } from "@tidemark/migrate/modules/context";
import { createLogger } from "@tidemark/migrate/modules/logger";
import type { EngineContext } from "@tidemark/migrate/modules/types";
import type { Logger } from "pino";
import { type CliConfig, loadCliConfig } from "./config.js";

/** Everything a command needs: the engine's context plus the CLI's own settings. */
export interface CliContext {
  engine: EngineContext;
  config: CliConfig;
  logger: Logger;
  /** The drizzle schema module that `create` and `init` read. */
  schemaFile: string;
}

/** A logger on stderr, so stdout stays for the command's own output (and `--json`). */
export function cliLogger(level: string): Logger {
  return createLogger({ level, fd: 2, pretty: process.stderr.isTTY });
}

/** Build the context from the environment; called by each command, so `--help` never needs a valid env. */
export function createCliContext(): CliContext {
  const config = loadCliConfig();
  const logger = cliLogger(config.logLevel);
  const engine = createEngineContext(config.engine, processActor("cli"), logger);
  return { engine, config, logger, schemaFile: config.engine.schemaFile };
}
