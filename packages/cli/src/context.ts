// Single engine modules, not the whole engine: `status` and `history` need only these.
import { createRequire } from "node:module";
import { createEngineContext, processActor } from "@tidemark/migrate/modules/context";
import { createLoggerWith, type PinoFactory } from "@tidemark/migrate/modules/logger-setup";
import type { EngineContext, Logger } from "@tidemark/migrate/modules/types";
import type { Logger as PinoLogger } from "pino";
import { type CliConfig, loadCliConfig } from "./config.js";

/** The engine's logger, plus the level check `--direct` uses to avoid printing a line twice. */
export interface CliLogger extends Logger {
  isLevelEnabled(level: string): boolean;
}

/** Everything a command needs: the engine's context plus the CLI's own settings. */
export interface CliContext {
  engine: EngineContext;
  config: CliConfig;
  logger: CliLogger;
  /** The drizzle schema module that `create` and `init` read. */
  schemaFile: string;
}

/** pino's numeric levels, so a level is checked without loading pino. */
const LEVELS: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/**
 * A logger on stderr, so stdout stays for the command's own output (and `--json`). pino is
 * loaded on the first line at an enabled level: at the CLI's level most commands log nothing,
 * and loading pino cost every start-up ~15 ms.
 */
export function cliLogger(level: string): CliLogger {
  let pino: PinoLogger | undefined;
  const threshold = LEVELS[level] ?? LEVELS.info ?? 30;
  const isLevelEnabled = (l: string) => (LEVELS[l] ?? 0) >= threshold;
  const method =
    (name: "info" | "warn" | "error" | "debug") =>
    (...line: [obj: object, msg?: string]) => {
      if (!isLevelEnabled(name)) return;
      pino ??= createLoggerWith(createRequire(import.meta.url)("pino") as PinoFactory, {
        level,
        fd: 2,
        pretty: process.stderr.isTTY,
      });
      pino[name](...(line as [object, string]));
    };
  return {
    info: method("info"),
    warn: method("warn"),
    error: method("error"),
    debug: method("debug"),
    isLevelEnabled,
  };
}

/** Build the context from the environment; called by each command, so `--help` never needs a valid env. */
export function createCliContext(): CliContext {
  const config = loadCliConfig();
  const logger = cliLogger(config.logLevel);
  const engine = createEngineContext(config.engine, processActor("cli"), logger);
  return { engine, config, logger, schemaFile: config.engine.schemaFile };
}
