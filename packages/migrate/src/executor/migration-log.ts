import type { Logger, ProgressEvent } from "../types.js";

type Level = "info" | "warn" | "error" | "debug";

/** Longest message forwarded as a progress event; the full line stays in the log. */
const MAX_MESSAGE = 1000;

/** The message of a pino-style call: `log.info("text")` or `log.info({ fields }, "text")`. */
function messageOf(first: unknown, msg?: string): string {
  if (typeof first === "string") return first;
  if (msg !== undefined) return msg;
  return JSON.stringify(first) ?? "";
}

/**
 * The `ctx.log` a TypeScript migration receives: every line goes to the engine's logger
 * tagged with the revision, and info, warn and error lines also go out as `log` progress
 * events, so a CLI waiting on the worker sees them while the migration runs.
 */
export function migrationLogger(
  logger: Logger,
  revision: string,
  onProgress?: (event: ProgressEvent) => void,
): Logger {
  const emit =
    (level: Level) =>
    (first: object | string, msg?: string): void => {
      const fields = typeof first === "object" && first !== null ? first : {};
      const message = messageOf(first, msg);
      logger[level]({ ...fields, revision }, message);
      if (level === "debug" || !onProgress) return;
      const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
      onProgress({ type: "log", revision, level, message: text });
    };
  return { info: emit("info"), warn: emit("warn"), error: emit("error"), debug: emit("debug") };
}
