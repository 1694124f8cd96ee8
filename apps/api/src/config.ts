import { type QueueConfig, queueEnvSchema } from "@tidemark/jobs/contract";
import {
  type EngineConfig,
  engineConfigFrom,
  engineEnvSchema,
  parseEnv,
  type TargetsConfig,
  targetSourceEnvSchema,
  targetsConfigFrom,
} from "@tidemark/migrate";
import { z } from "zod";

/** How the API brings the schema up to date at boot (docs/api.md). */
export type MigrateOnBoot = "queue" | "inline" | "off";

/**
 * A bearer token. A token with whitespace could never be sent back in an `Authorization: Bearer`
 * header (the header parser splits on it), so it would lock everyone out without a word.
 */
const tokenSchema = z
  .string()
  .min(16, "must be at least 16 characters (use `openssl rand -hex 32`)")
  .regex(/^\S+$/, "must not contain spaces, tabs or newlines (use `openssl rand -hex 32`)");

/**
 * The API's environment: the engine's and the queue's variables, where the fleet's targets come
 * from (it shows and starts fleet runs but migrates no target itself, so no worker pacing), plus its own.
 */
export const apiEnvSchema = engineEnvSchema
  .extend({
    ...queueEnvSchema.shape,
    ...targetSourceEnvSchema.shape,
  })
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe("port the API listens on"),
    // Loopback by default so a dev machine never exposes the admin routes by accident;
    // containers set HOST=0.0.0.0 explicitly.
    HOST: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .describe("address the API listens on (`0.0.0.0` in a container)"),
    ADMIN_TOKEN: tokenSchema.optional().meta({
      description:
        "Bearer token for `POST /migrations/jobs` and `POST /fleet/jobs…` (≥ 16 chars, no whitespace); unset disables them; also reads what `STATUS_TOKEN` reads",
      shownDefault: "unset",
    }),
    STATUS_TOKEN: tokenSchema.optional().meta({
      description:
        "Bearer token for status details, `/migrations/history`, `GET /migrations/jobs/:id` and `GET /fleet/…` (see `docs/security.md`)",
      shownDefault: "unset",
    }),
    RATE_LIMIT_PER_MINUTE: z.coerce
      .number()
      .int()
      .positive()
      .default(600)
      .describe("requests per client and minute on each database-reading route (429 beyond)"),
    MAX_WATCHED_JOBS: z.coerce
      .number()
      .int()
      .positive()
      .default(100)
      .describe("enqueued jobs the API follows at once (429 with `Retry-After` beyond)"),
    MIGRATE_ON_BOOT: z
      .enum(["queue", "inline", "off"])
      .default("queue")
      .describe(
        "`queue` (through the worker), `inline` (in-process, for serverless without a worker), `off`",
      ),
    MIGRATE_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(120_000)
      .describe("how long boot waits for the upgrade job (with no worker connected it gives up sooner)"),
    TIDEMARK_NO_WORKER_MS: z.coerce
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe(
        "with no worker connected this long, the boot wait ends in degraded mode (the job stays queued)",
      ),
  });

/** Validated API configuration. */
export interface ApiConfig {
  engine: EngineConfig;
  queue: QueueConfig;
  port: number;
  host: string;
  /** Bearer token for `POST /migrations/jobs`; unset disables the endpoint. */
  adminToken: string | undefined;
  /** Bearer token that reads status details, history and jobs; ADMIN_TOKEN reads them too. */
  statusToken: string | undefined;
  /** Requests per minute per client on each database-reading route. */
  rateLimitPerMinute: number;
  /** Jobs the API follows at once; more enqueues answer 429. */
  maxWatchedJobs: number;
  migrateOnBoot: MigrateOnBoot;
  migrateTimeoutMs: number;
  /** How long the boot wait tolerates no connected worker (TIDEMARK_NO_WORKER_MS). */
  noWorkerAfterMs: number;
  logLevel: string;
  /** Where the fleet's targets come from; null when no fleet is configured (the /fleet routes answer 404). */
  fleet: TargetsConfig | null;
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
    statusToken: e.STATUS_TOKEN,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxWatchedJobs: e.MAX_WATCHED_JOBS,
    migrateOnBoot: e.MIGRATE_ON_BOOT,
    migrateTimeoutMs: e.MIGRATE_TIMEOUT_MS,
    noWorkerAfterMs: e.TIDEMARK_NO_WORKER_MS,
    logLevel: engine.logLevel,
    fleet: targetsConfigFrom(e),
  };
}
