import { createLogger } from "@tidemark/migrate";
import { redisUrl } from "@tidemark/testkit";
import { type Api, buildApp } from "../src/app.js";
import { loadApiConfig } from "../src/config.js";

/** A log line captured from the API's pino logger. */
export type LogLine = { level: number; msg?: string; [k: string]: unknown };

/** A built (not listening) API plus the lines it logged. */
export interface TestApi extends Api {
  logs: LogLine[];
  /** Lines whose message is exactly `msg`. */
  logged(msg: string): LogLine[];
  /** Everything logged, as raw text (for grepping secrets). */
  rawLogs(): string;
  close(): Promise<void>;
}

/** A closed local port: nothing listens there, connections are refused at once. */
export const CLOSED_REDIS_URL = "redis://127.0.0.1:1";

/** A long random admin token for tests. */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** A long random status-read token for tests. */
export const STATUS_TOKEN = "test-status-token-0123456789abcdef";

/** Headers that read status details, history and jobs. */
export const readerAuth = { authorization: `Bearer ${STATUS_TOKEN}` };

/**
 * Build the API against `env` (DATABASE_URL required) with a capturing logger and a fast
 * retry backoff. Does not start the boot sequence: call `api.boot.start()`.
 */
export async function buildTestApi(env: Record<string, string | undefined>): Promise<TestApi> {
  const raw: string[] = [];
  const logs: LogLine[] = [];
  const config = loadApiConfig({ REDIS_URL: redisUrl, LOG_LEVEL: "debug", STATUS_TOKEN, ...env });
  const logger = createLogger({
    level: config.logLevel,
    destination: {
      write(line: string) {
        raw.push(line);
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  });
  const api = await buildApp({ config, logger, retry: { initialMs: 50, maxMs: 200 } });
  return {
    ...api,
    logs,
    logged: (msg) => logs.filter((l) => l.msg === msg),
    rawLogs: () => raw.join(""),
    close: () => api.app.close(),
  };
}

export { eventually } from "@tidemark/testkit";
