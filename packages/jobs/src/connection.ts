import type { EventEmitter } from "node:events";
import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { redactUrls } from "@tidemark/migrate/modules/redact";
import type { ConnectionOptions } from "bullmq";
import { redisTarget } from "./redis-url.js";

/** How long a producer waits for Redis before reporting TM_REDIS_UNAVAILABLE (ms). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/**
 * ioredis options for a producer (CLI, API): commands fail at once while Redis is down
 * (no offline queue, one retry) so callers get an error instead of a hang.
 */
export function producerConnection(redisUrl: string, connectTimeoutMs: number): ConnectionOptions {
  return {
    ...redisTarget(redisUrl),
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 5000),
  };
}

/**
 * ioredis options for a blocking connection (QueueEvents, Worker). BullMQ requires
 * `maxRetriesPerRequest: null` there; `onRetry` sees every reconnect attempt and its delay.
 */
export function blockingConnection(
  redisUrl: string,
  onRetry?: (attempt: number, delayMs: number) => void,
): ConnectionOptions {
  return {
    ...redisTarget(redisUrl),
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => {
      const delayMs = Math.min(500 * 2 ** (attempt - 1), 10_000);
      onRetry?.(attempt, delayMs);
      return delayMs;
    },
  };
}

const connectionErrorPattern =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|Connection is closed|Stream isn't writeable|enableOfflineQueue|max retries per request|connect ETIMEDOUT/i;

/** True when `err` says Redis cannot be reached (as opposed to a bad command or a bug). */
export function isRedisConnectionError(err: unknown): boolean {
  return err instanceof Error && connectionErrorPattern.test(`${err.name} ${err.message}`);
}

/** The TM_REDIS_UNAVAILABLE error, naming the redacted URL and what to do next. */
export function redisUnavailable(redisUrl: string, reason: string, cause?: unknown): TidemarkError {
  const url = redactUrls(redisUrl);
  return new TidemarkError(
    "TM_REDIS_UNAVAILABLE",
    `Cannot reach Redis at ${url} (${reason}). Start Redis (\`redis-server --daemonize yes\`) or point REDIS_URL at it; to migrate without the queue use --direct (CLI) or MIGRATE_ON_BOOT=inline (API).`,
    { cause, details: { redisUrl: url } },
  );
}

/** Wait for `ready` at most `timeoutMs`; a timeout or connection error becomes TM_REDIS_UNAVAILABLE. */
export async function readyWithin(
  ready: Promise<unknown>,
  redisUrl: string,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(redisUnavailable(redisUrl, `no connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    if (err instanceof TidemarkError) throw err;
    throw redisUnavailable(redisUrl, err instanceof Error ? err.message : String(err), err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Close bullmq clients (queues, queue events, flow producers). bullmq closes a connection that
 * is still being set up (Redis unreachable) by removing all its listeners, and the failed set-up
 * then emits an 'error' nobody hears, which kills the process (taskforcesh/bullmq#3546). Once a
 * client is closed nothing waits on its connection, so that late error is dropped.
 */
export async function closeQuietly(...clients: ({ close(): Promise<void> } | undefined)[]): Promise<void> {
  await Promise.allSettled(
    clients.map(async (client) => {
      if (!client) return;
      try {
        await client.close();
      } finally {
        (client as unknown as { connection?: EventEmitter }).connection?.on("error", () => {});
      }
    }),
  );
}
