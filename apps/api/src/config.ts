import { type QueueConfig, queueEnvSchema } from "@tidemark/jobs/contract";
import { type EngineConfig, engineConfigFrom, engineEnvSchema, parseEnv } from "@tidemark/migrate";
import { z } from "zod";

/** How the API brings the schema up to date at boot (see ARCHITECTURE.md). */
export type MigrateOnBoot = "queue" | "inline" | "off";

/** The API's environment: the engine's and the queue's variables plus its own. */
export const apiEnvSchema = engineEnvSchema.extend(queueEnvSchema.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe("port the API listens on"),
  // Loopback by default so a dev machine never exposes the admin routes by accident;
  // containers set HOST=0.0.0.0 explicitly.
  HOST: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe("address the API listens on (`0.0.0.0` in a container)"),
  ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters (use `openssl rand -hex 32`)")
    .optional()
    .meta({
      description: "Bearer token for `POST /migrations/jobs` (≥ 16 chars); unset disables the endpoint",
      shownDefault: "unset",
    }),
  MIGRATE_ON_BOOT: z
    .enum(["queue", "inline", "off"])
    .default("queue")
    .describe("`queue` (through the worker), `inline` (in-process, for serverless without a worker), `off`"),
  MIGRATE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(120_000)
    .describe("how long boot waits for the upgrade job"),
});

/** Validated API configuration. */
export interface ApiConfig {
  engine: EngineConfig;
  queue: QueueConfig;
  port: number;
  host: string;
  /** Bearer token for `POST /migrations/jobs`; unset disables the endpoint. */
  adminToken: string | undefined;
  migrateOnBoot: MigrateOnBoot;
  migrateTimeoutMs: number;
  logLevel: string;
}

type Env = Record<string, string | undefined>;

/** Read the API's configuration from `env` (default `process.env`), reporting every problem at once. */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  const e = parseEnv(apiEnvSchema, env);
  const engine = engineConfigFrom(e);
  return {
    engine,
    queue: { redisUrl: e.REDIS_URL, prefix: e.TIDEMARK_QUEUE_PREFIX },
    port: e.PORT,
    host: e.HOST,
    adminToken: e.ADMIN_TOKEN,
    migrateOnBoot: e.MIGRATE_ON_BOOT,
    migrateTimeoutMs: e.MIGRATE_TIMEOUT_MS,
    logLevel: engine.logLevel,
  };
}
