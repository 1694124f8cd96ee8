import path from "node:path";
import { z } from "zod";
import { TidemarkError } from "./errors.js";

/** Settings the engine reads from the environment (DESIGN §10). */
export const engineEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    // The message never echoes the value: a malformed URL may still carry a password.
    .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), {
      message: "must be a postgres:// or postgresql:// URL",
    })
    .default("postgres://postgres@127.0.0.1:5432/tidemark"),
  BACKUP_DIR: z.string().min(1).default("./backups"),
  BACKUP_KEEP: z.coerce.number().int().min(1).default(20),
  TIDEMARK_ENV: z.string().min(1).optional(),
  NODE_ENV: z.string().optional(),
  TIDEMARK_MIGRATIONS_DIR: z.string().min(1).optional(),
  TIDEMARK_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  TIDEMARK_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(0),
  TIDEMARK_LOCK_RETRIES: z.coerce.number().int().min(0).default(3),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Set by pnpm to the directory it was invoked from (scripts themselves run in the package dir).
  INIT_CWD: z.string().optional(),
});

/** Validated engine configuration. */
export interface EngineConfig {
  databaseUrl: string;
  backupDir: string;
  backupKeep: number;
  /** `TIDEMARK_ENV`, else `NODE_ENV`, else `development`. */
  environment: string;
  /** Overrides the migrations folder of `@tidemark/db` (used by tests and other projects). */
  migrationsDir?: string;
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

/** Read the engine's configuration from `env` (default `process.env`). */
export function loadEngineConfig(env: Env = process.env): EngineConfig {
  const e = parseEnv(engineEnvSchema, env);
  // Relative paths mean "from where the user typed the command": `pnpm cli` and
  // `pnpm --dir apps/migrator start` run in different package dirs but must share BACKUP_DIR.
  const base = e.INIT_CWD ?? process.cwd();
  return {
    databaseUrl: e.DATABASE_URL,
    backupDir: path.resolve(base, e.BACKUP_DIR),
    backupKeep: e.BACKUP_KEEP,
    environment: e.TIDEMARK_ENV ?? e.NODE_ENV ?? "development",
    migrationsDir: e.TIDEMARK_MIGRATIONS_DIR && path.resolve(base, e.TIDEMARK_MIGRATIONS_DIR),
    lockTimeoutMs: e.TIDEMARK_LOCK_TIMEOUT_MS,
    statementTimeoutMs: e.TIDEMARK_STATEMENT_TIMEOUT_MS,
    lockRetries: e.TIDEMARK_LOCK_RETRIES,
    logLevel: e.LOG_LEVEL,
  };
}
