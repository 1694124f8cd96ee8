import path from "node:path";
import {
  migrationsDir as seedMigrationsDir,
  schemaFile as seedSchemaFile,
} from "@tidemark/db/migrations-dir";
import { z } from "zod";
import { TidemarkError } from "./errors.js";

/** The engine's defaults: the one place each of these numbers is written down. */
export const engineDefaults = {
  databaseUrl: "postgres://postgres@127.0.0.1:5432/tidemark",
  backupDir: "./backups",
  backupKeep: 20,
  /** `lock_timeout`: short, so a migration never queues application traffic for long. */
  lockTimeoutMs: 5000,
  statementTimeoutMs: 0,
  lockRetries: 3,
  /** How long a run waits for another run's migration lock before failing. */
  lockWaitMs: 15 * 60_000,
  environment: "development",
  logLevel: "info",
  /** The CLI prints its own report on stdout; engine info lines on stderr would repeat it. */
  cliLogLevel: "warn",
} as const;

/** A PostgreSQL connection string; the message never echoes the value (it may carry a password). */
export const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), {
  message: "must be a postgres:// or postgresql:// URL",
});

/** pino's levels, in the order `LOG_LEVEL` accepts them. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Settings the engine reads from the environment; `describe` texts feed the README and `--help`. */
export const engineEnvSchema = z.object({
  DATABASE_URL: postgresUrl
    .default(engineDefaults.databaseUrl)
    .describe("database to migrate; created if it does not exist"),
  BACKUP_DIR: z
    .string()
    .min(1)
    .default(engineDefaults.backupDir)
    .describe(
      "where dumps go (relative to the directory `pnpm` was run from); file arguments are confined to it",
    ),
  BACKUP_KEEP: z.coerce
    .number()
    .int()
    .min(1)
    .default(engineDefaults.backupKeep)
    .describe(
      "dumps kept; the newest restore point, a dump a running restore reads and dumps younger than the pruning job are never deleted",
    ),
  TIDEMARK_ENV: z.string().min(1).optional().meta({
    description: "environment for `-- tidemark:env` blocks and `ctx.env`, recorded in history",
    shownDefault: "`NODE_ENV`, else `development`",
  }),
  NODE_ENV: z.string().optional().meta({ hidden: true }),
  TIDEMARK_MIGRATIONS_DIR: z.string().min(1).optional().meta({
    description: "the drizzle-kit migrations folder",
    shownDefault: "`packages/db/migrations`",
  }),
  TIDEMARK_SCHEMA_FILE: z.string().min(1).optional().meta({
    description:
      "the drizzle schema module `create` and `init` diff against, and `upgrade` builds tables from when there are no migrations",
    shownDefault: "`packages/db/src/schema.ts`",
  }),
  TIDEMARK_LOCK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(engineDefaults.lockTimeoutMs)
    .describe("`lock_timeout` of the migrating session"),
  TIDEMARK_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(engineDefaults.statementTimeoutMs)
    .meta({ description: "`statement_timeout` of the migrating session", shownDefault: "`0` (none)" }),
  TIDEMARK_LOCK_RETRIES: z.coerce
    .number()
    .int()
    .min(0)
    .default(engineDefaults.lockRetries)
    .describe("retries (with backoff) after a lock timeout"),
  LOG_LEVEL: z
    .enum(logLevels)
    .optional()
    .meta({
      description:
        "pino level; logs are JSON, pretty on a TTY (the CLI logs on stderr, its report is on stdout)",
      shownDefault: `\`${engineDefaults.logLevel}\`; the CLI: \`${engineDefaults.cliLogLevel}\``,
    }),
  // Set by pnpm to the directory it was invoked from (scripts themselves run in the package dir).
  INIT_CWD: z.string().optional().meta({ hidden: true }),
});

/** Validated engine configuration. */
export interface EngineConfig {
  databaseUrl: string;
  backupDir: string;
  backupKeep: number;
  /** `TIDEMARK_ENV`, else `NODE_ENV`, else `development`. */
  environment: string;
  /** The migrations folder: `TIDEMARK_MIGRATIONS_DIR`, else the one of `@tidemark/db`. */
  migrationsDir: string;
  /** The drizzle schema module: `TIDEMARK_SCHEMA_FILE`, else the one of `@tidemark/db`. */
  schemaFile: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  lockRetries: number;
  logLevel: string;
}

type Env = Record<string, string | undefined>;

/**
 * Parse an environment into a config, reporting every problem at once.
 * `schema` lets the apps extend the engine's variables with their own.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  // Empty strings mean "unset" (a common result of `FOO= cmd`).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new TidemarkError(
      "TM_CONFIG_INVALID",
      `Invalid environment:\n${problems}\nFix these variables and retry.`,
    );
  }
  return result.data;
}

/** The engine's variables as parsed by {@link engineEnvSchema} (or a schema extending it). */
export type EngineEnv = z.infer<typeof engineEnvSchema>;

/**
 * The engine's configuration from already parsed variables, so a process that extends the
 * schema parses its environment once.
 */
export function engineConfigFrom(e: EngineEnv, cwd: string = process.cwd()): EngineConfig {
  // Relative paths mean "from where the user typed the command": `pnpm cli` and
  // `pnpm --dir apps/migrator start` run in different package dirs but must share BACKUP_DIR.
  const base = e.INIT_CWD ?? cwd;
  return {
    databaseUrl: e.DATABASE_URL,
    backupDir: path.resolve(base, e.BACKUP_DIR),
    backupKeep: e.BACKUP_KEEP,
    environment: e.TIDEMARK_ENV ?? e.NODE_ENV ?? engineDefaults.environment,
    migrationsDir: e.TIDEMARK_MIGRATIONS_DIR
      ? path.resolve(base, e.TIDEMARK_MIGRATIONS_DIR)
      : seedMigrationsDir,
    schemaFile: e.TIDEMARK_SCHEMA_FILE ? path.resolve(base, e.TIDEMARK_SCHEMA_FILE) : seedSchemaFile,
    lockTimeoutMs: e.TIDEMARK_LOCK_TIMEOUT_MS,
    statementTimeoutMs: e.TIDEMARK_STATEMENT_TIMEOUT_MS,
    lockRetries: e.TIDEMARK_LOCK_RETRIES,
    logLevel: e.LOG_LEVEL ?? engineDefaults.logLevel,
  };
}

/** Read the engine's configuration from `env` (default `process.env`). */
export function loadEngineConfig(env: Env = process.env): EngineConfig {
  return engineConfigFrom(parseEnv(engineEnvSchema, env));
}
