import { parseEnv } from "@tidemark/migrate";
import { z } from "zod";

/** Variables only the CLI reads (the engine's and the queue's are parsed by their own packages). */
const cliEnvSchema = z.object({
  /** Unset means "the CLI's quiet default", which differs from the engine's `info`. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  /** How long a queued or running job may go without a connected worker before the CLI says so. */
  TIDEMARK_NO_WORKER_MS: z.coerce.number().int().min(1).default(5000),
  /** Upper bound on waiting for a queued job to finish (0 = wait forever). */
  TIDEMARK_JOB_TIMEOUT_MS: z.coerce.number().int().min(0).default(0),
  /** The drizzle schema module `create` and `init` diff against (default: the one in packages/db). */
  TIDEMARK_SCHEMA_FILE: z.string().min(1).optional(),
});

/** The CLI's own settings. */
export interface CliConfig {
  /** Log level for engine events on stderr; `warn` unless LOG_LEVEL says otherwise. */
  logLevel: string;
  noWorkerAfterMs: number;
  jobTimeoutMs: number;
  /** Overrides the schema file of `@tidemark/db`. */
  schemaFile?: string;
}

/** Read the CLI's settings from `env` (default `process.env`). */
export function loadCliConfig(env: Record<string, string | undefined> = process.env): CliConfig {
  const e = parseEnv(cliEnvSchema, env);
  return {
    // The CLI prints its own report on stdout; engine info lines would repeat it on stderr.
    logLevel: e.LOG_LEVEL ?? "warn",
    noWorkerAfterMs: e.TIDEMARK_NO_WORKER_MS,
    jobTimeoutMs: e.TIDEMARK_JOB_TIMEOUT_MS,
    schemaFile: e.TIDEMARK_SCHEMA_FILE,
  };
}

/**
 * How the user typed the command, so hints name it the same way: `pnpm cli` when run
 * through the root package's `cli` script (pnpm sets npm_lifecycle_event), else `tidemark`.
 */
export function invocationName(env: Record<string, string | undefined> = process.env): string {
  return env.npm_lifecycle_event === "cli" ? "pnpm cli" : "tidemark";
}
