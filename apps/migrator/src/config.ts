import { type QueueConfig, queueEnvSchema } from "@tidemark/jobs";
import { type EngineConfig, engineConfigFrom, engineEnvSchema, parseEnv } from "@tidemark/migrate";
import { z } from "zod";

/** The worker's environment: the engine's variables, the queue's, and its own. */
export const migratorEnvSchema = engineEnvSchema.extend({
  ...queueEnvSchema.shape,
  /**
   * Lock duration and stalled-check interval: a killed worker's job is picked up again
   * roughly 2-3 times this after the kill. Tests lower it to a second.
   */
  TIDEMARK_WORKER_STALLED_MS: z.coerce
    .number()
    .int()
    .min(200)
    .default(30_000)
    .describe("how soon a job of a killed worker is picked up again"),
});

/** Validated worker configuration. */
export interface MigratorConfig {
  engine: EngineConfig;
  queue: QueueConfig;
  stalledMs: number;
  logLevel: string;
}

/** Read the worker's configuration from `env` (default `process.env`), reporting every problem at once. */
export function loadMigratorConfig(env: Record<string, string | undefined> = process.env): MigratorConfig {
  const e = parseEnv(migratorEnvSchema, env);
  const engine = engineConfigFrom(e);
  return {
    engine,
    queue: { redisUrl: e.REDIS_URL, prefix: e.TIDEMARK_QUEUE_PREFIX },
    stalledMs: e.TIDEMARK_WORKER_STALLED_MS,
    logLevel: engine.logLevel,
  };
}
