import { type QueueConfig, queueEnvSchema } from "@tidemark/jobs";
import {
  type EngineConfig,
  engineConfigFrom,
  engineEnvSchema,
  fleetEnvSchema,
  parseEnv,
  type TargetsConfig,
  targetsConfigFrom,
} from "@tidemark/migrate";
import { z } from "zod";

/** The worker's environment: the engine's variables, the queue's, the fleet's, and its own. */
export const migratorEnvSchema = engineEnvSchema.extend({
  ...queueEnvSchema.shape,
  ...fleetEnvSchema.shape,
  // Failover timing (docs/queue.md): the worker renews a running job's lock every quarter of
  // the lock duration; a killed worker's lock lapses within one lock duration, and the next
  // stalled check hands the job to a surviving worker. Worst case: lock + stalled interval.
  TIDEMARK_WORKER_STALLED_MS: z.coerce
    .number()
    .int()
    .min(200)
    .default(4000)
    .describe(
      "how often the worker looks for jobs whose worker died (lock lapsed) and runs them again; a killed worker's job resumes within lock duration + this",
    ),
  TIDEMARK_WORKER_LOCK_MS: z.coerce.number().int().min(400).optional().meta({
    description:
      "how long a running job's lock lasts without renewal (renewed every quarter of it); a busy worker's event loop may stall for up to about half of it without losing the job",
    shownDefault: "twice `TIDEMARK_WORKER_STALLED_MS` (`8000`)",
  }),
});

/** Validated worker configuration. */
export interface MigratorConfig {
  engine: EngineConfig;
  queue: QueueConfig;
  /** How often stalled jobs are looked for. */
  stalledMs: number;
  /** How long a job's lock lasts without renewal (renewed every quarter of it). */
  lockMs: number;
  logLevel: string;
  /** Fleet children run at once, and how long each waits for its target's lock. */
  fleet: { concurrency: number; lockWaitMs: number; targets: TargetsConfig | null };
}

/** Read the worker's configuration from `env` (default `process.env`), reporting every problem at once. */
export function loadMigratorConfig(env: Record<string, string | undefined> = process.env): MigratorConfig {
  const e = parseEnv(migratorEnvSchema, env);
  const engine = engineConfigFrom(e);
  return {
    engine,
    queue: { redisUrl: e.REDIS_URL, prefix: e.TIDEMARK_QUEUE_PREFIX },
    stalledMs: e.TIDEMARK_WORKER_STALLED_MS,
    lockMs: e.TIDEMARK_WORKER_LOCK_MS ?? 2 * e.TIDEMARK_WORKER_STALLED_MS,
    logLevel: engine.logLevel,
    fleet: {
      concurrency: e.TIDEMARK_FLEET_CONCURRENCY,
      lockWaitMs: e.TIDEMARK_FLEET_LOCK_WAIT_MS,
      targets: targetsConfigFrom(e),
    },
  };
}
