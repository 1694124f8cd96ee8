import { loadQueueConfig } from "@tidemark/jobs";
import {
  type EngineConfig,
  engineEnvSchema,
  loadEngineConfig,
  parseEnv,
  TidemarkError,
} from "@tidemark/migrate";
import { z } from "zod";

/** How the API brings the schema up to date at boot (DESIGN §7). */
export type MigrateOnBoot = "queue" | "inline" | "off";

/** The API's environment: the engine's variables plus its own (DESIGN §10). */
export const apiEnvSchema = engineEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Loopback by default so a dev machine never exposes the admin routes by accident;
  // containers set HOST=0.0.0.0 explicitly.
  HOST: z.string().min(1).default("127.0.0.1"),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters (use `openssl rand -hex 32`)").optional(),
  MIGRATE_ON_BOOT: z.enum(["queue", "inline", "off"]).default("queue"),
  MIGRATE_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
});

/** Validated API configuration. */
export interface ApiConfig {
  engine: EngineConfig;
  queue: ReturnType<typeof loadQueueConfig>;
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
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof TidemarkError)) throw err;
      problems.push(err.message.replace(/\nFix these variables and retry\.$/, ""));
      return undefined;
    }
  };
  const api = attempt(() => parseEnv(apiEnvSchema, env));
  const queue = attempt(() => loadQueueConfig(env));
  if (!api || !queue) {
    throw new TidemarkError("TM_CONFIG_INVALID", `${problems.join("\n")}\nFix these variables and retry.`);
  }
  return {
    engine: loadEngineConfig(env),
    queue,
    port: api.PORT,
    host: api.HOST,
    adminToken: api.ADMIN_TOKEN,
    migrateOnBoot: api.MIGRATE_ON_BOOT,
    migrateTimeoutMs: api.MIGRATE_TIMEOUT_MS,
    logLevel: api.LOG_LEVEL,
  };
}
