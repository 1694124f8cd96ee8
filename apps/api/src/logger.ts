import { redactUrls } from "@tidemark/migrate";
import { type DestinationStream, type Logger, pino } from "pino";

/** Paths removed from every log line: credentials in headers, bodies and configs. */
export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "password",
  "*.password",
  "*.*.password",
  "databaseUrl",
  "*.databaseUrl",
  "DATABASE_URL",
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: string;
  /** Human-readable output; main.ts turns it on when stdout is a TTY. */
  pretty?: boolean;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

/** The API's pino logger: JSON lines, credentials redacted, URL passwords masked inside error texts. */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    serializers: {
      // Driver errors quote connection strings verbatim; never let a password reach a log.
      err: (err: unknown) => {
        if (!(err instanceof Error)) return typeof err === "string" ? redactUrls(err) : err;
        const s = pino.stdSerializers.err(err);
        s.message = redactUrls(s.message);
        if (s.stack) s.stack = redactUrls(s.stack);
        return s;
      },
    },
    hooks: {
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? redactUrls(a) : a)),
        );
      },
    },
  };
  if (options.destination) return pino(config, options.destination);
  if (options.pretty) return pino({ ...config, transport: { target: "pino-pretty" } });
  return pino(config);
}
