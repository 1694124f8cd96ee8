import { type QueueConfig, queueEnvSchema } from "@tidemark/jobs/config";
import {
  type EngineConfig,
  engineConfigFrom,
  engineDefaults,
  engineEnvSchema,
  parseEnv,
  postgresUrl,
} from "@tidemark/migrate/modules/config";
import {
  fleetEnvSchema,
  type TargetsConfig,
  targetsConfigFrom,
} from "@tidemark/migrate/modules/fleet/config";
import { z } from "zod";

// The fleet's variables too: the CLI loads the targets to plan a fleet run's canaries and waves.
const sharedEnvSchema = engineEnvSchema.extend(queueEnvSchema.shape).extend(fleetEnvSchema.shape);

/** The CLI reads the engine's variables, the queue's, the fleet's, and these of its own. */
export const cliEnvSchema = sharedEnvSchema.extend({
  TIDEMARK_NO_WORKER_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5000)
    .describe(
      "how long a queued or running job may go with no worker connected before the CLI says so (off a terminal it exits 1; on a terminal it keeps waiting)",
    ),
  TIDEMARK_JOB_TIMEOUT_MS: z.coerce.number().int().min(0).default(0).meta({
    description:
      "hard limit on the CLI's wait for a job, like `--timeout 30m`; the job keeps running. A dead worker is noticed without it",
    shownDefault: "`0` (wait as long as the job runs)",
  }),
  TIDEMARK_SCRATCH_URL: postgresUrl.optional().meta({
    description:
      "PostgreSQL server on which `create` and `init` prove a migration in throw-away `tm_scratch_*` databases (its role needs CREATEDB)",
    shownDefault: "the server of `DATABASE_URL`",
  }),
});

/** Everything the CLI is configured with, parsed from the environment once. */
export interface CliConfig {
  engine: EngineConfig;
  queue: QueueConfig;
  /** Log level for engine events on stderr. */
  logLevel: string;
  noWorkerAfterMs: number;
  jobTimeoutMs: number;
  /** Server for the scratch databases of `create` and `init`; unset means the server of DATABASE_URL. */
  scratchUrl?: string;
  /** Where the fleet's targets come from; null when no fleet is configured. */
  fleet: TargetsConfig | null;
}

type Env = Record<string, string | undefined>;

/** Parse `env` into the CLI's configuration, reporting every problem at once. */
export function parseCliConfig(env: Env): CliConfig {
  const e = parseEnv(cliEnvSchema, env);
  return {
    engine: engineConfigFrom(e),
    queue: { redisUrl: e.REDIS_URL, prefix: e.TIDEMARK_QUEUE_PREFIX },
    logLevel: e.LOG_LEVEL ?? engineDefaults.cliLogLevel,
    noWorkerAfterMs: e.TIDEMARK_NO_WORKER_MS,
    jobTimeoutMs: e.TIDEMARK_JOB_TIMEOUT_MS,
    scratchUrl: e.TIDEMARK_SCRATCH_URL,
    fleet: targetsConfigFrom(e),
  };
}

let loaded: CliConfig | undefined;

/** This process's configuration: parsed on first use (so `--help` never needs a valid env), then kept. */
export function loadCliConfig(): CliConfig {
  loaded ??= parseCliConfig(process.env);
  return loaded;
}

export { invocationName } from "./invocation.js";
