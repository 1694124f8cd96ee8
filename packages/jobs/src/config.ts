// The config module alone, not the engine: the CLI reads this schema on its light paths.
import { parseEnv } from "@tidemark/migrate/modules/config";
import { z } from "zod";
import { isRedisUrl } from "./redis-url.js";

/** Queue settings read from the environment; apps extend their own schema with it. */
export const queueEnvSchema = z.object({
  REDIS_URL: z
    .string()
    .refine(isRedisUrl, "must be a redis://, rediss:// or redis+sentinel://host:port[,host:port]/name URL")
    .default("redis://127.0.0.1:6379")
    .describe("BullMQ's Redis; `redis+sentinel://host:port,host:port/name` asks Sentinel for the primary"),
  TIDEMARK_QUEUE_PREFIX: z
    .string()
    .regex(/^\S+$/, "must not contain whitespace")
    .default("tidemark")
    .describe("BullMQ key prefix (one per environment sharing a Redis)"),
});

/** Where the queue lives. */
export interface QueueConfig {
  redisUrl: string;
  /** BullMQ key prefix, so several Tidemark deployments can share one Redis. */
  prefix: string;
}

/** Read the queue settings from `env` (default `process.env`), reporting every problem at once. */
export function loadQueueConfig(env: Record<string, string | undefined> = process.env): QueueConfig {
  const e = parseEnv(queueEnvSchema, env);
  return { redisUrl: e.REDIS_URL, prefix: e.TIDEMARK_QUEUE_PREFIX };
}
