import { type Logger as PinoLogger, pino } from "pino";
import { createLoggerWith, type LoggerOptions } from "./logger-setup.js";

export { type LoggerOptions, redactPaths } from "./logger-setup.js";

/** The one pino set-up of the API, the worker and the CLI: same redaction, URL passwords masked. */
export function createLogger(options: LoggerOptions): PinoLogger {
  return createLoggerWith(pino, options);
}
