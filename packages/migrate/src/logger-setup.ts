// The logger's set-up without pino itself, so a process can load pino only when it first logs
// (the CLI; logger.ts is the usual entry).
import { createRequire } from "node:module";
import type { DestinationStream, Logger as PinoLogger, pino } from "pino";
import { redactUrls } from "./redact.js";

/** pino's factory, the module's `pino` export. */
export type PinoFactory = typeof pino;

/** Paths removed from every log line of every process: credentials in headers, bodies and configs. */
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
  "scratchUrl",
  "*.scratchUrl",
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: string;
  /** Shown as `name` on each line (the worker's `migrator`). */
  name?: string;
  /** Human-readable lines; callers turn it on when their output is a TTY. */
  pretty?: boolean;
  /** 1 (stdout, the default) or 2 (stderr: the CLI keeps stdout for its report and `--json`). */
  fd?: 1 | 2;
  /** Where lines go instead of `fd` (tests capture them). */
  destination?: DestinationStream;
}

// Driver errors quote connection strings verbatim; never let a password reach a log.
function errorSerializer(pino: PinoFactory): (err: unknown) => unknown {
  return (err) => {
    if (!(err instanceof Error)) return typeof err === "string" ? redactUrls(err) : err;
    const s = pino.stdSerializers.err(err);
    s.message = redactUrls(s.message);
    if (s.stack) s.stack = redactUrls(s.stack);
    return s;
  };
}

// pino-pretty is loaded only by processes writing to a terminal.
function prettyStream(fd: 1 | 2): DestinationStream {
  const pretty = createRequire(import.meta.url)("pino-pretty") as (o: object) => DestinationStream;
  return pretty({
    destination: fd,
    sync: true,
    ignore: "pid,hostname,name",
    translateTime: "SYS:HH:MM:ss.l",
  });
}

/** `createLogger` (logger.ts) with the pino module given by the caller. */
export function createLoggerWith(pino: PinoFactory, options: LoggerOptions): PinoLogger {
  const config = {
    level: options.level,
    ...(options.name ? { name: options.name } : {}),
    redact: { paths: redactPaths, censor: "[redacted]" },
    serializers: { err: errorSerializer(pino) },
    hooks: {
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? redactUrls(a) : a)),
        );
      },
    },
  };
  const fd = options.fd ?? 1;
  if (options.destination) return pino(config, options.destination);
  if (options.pretty) return pino(config, prettyStream(fd));
  return fd === 1 ? pino(config) : pino(config, pino.destination({ fd, sync: true }));
}
