import { redactUrls } from "@tidemark/migrate";
import { type Logger, pino } from "pino";
import pretty from "pino-pretty";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: string;
  /** Human-readable lines (main.ts turns this on when stdout is a TTY). */
  pretty?: boolean;
}

/** The worker's pino logger: JSON events with fields; passwords never reach a line. */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    name: "migrator",
    redact: { paths: ["password", "*.password", "databaseUrl", "*.databaseUrl"], censor: "***" },
    serializers: {
      // Driver errors may quote a connection string verbatim.
      err: (err: Error) => {
        const s = pino.stdSerializers.err(err);
        s.message = redactUrls(s.message);
        if (s.stack) s.stack = redactUrls(s.stack);
        return s;
      },
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? redactUrls(a) : a)),
        );
      },
    },
  };
  if (options.pretty) {
    return pino(config, pretty({ sync: true, ignore: "pid,hostname,name", translateTime: "SYS:HH:MM:ss.l" }));
  }
  return pino(config);
}
