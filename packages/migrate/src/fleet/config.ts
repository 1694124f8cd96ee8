import path from "node:path";
import { z } from "zod";
import { postgresUrl } from "../config.js";

/** The fleet's defaults: the one place each of these numbers is written down. */
export const fleetDefaults = {
  /** Fleet children one worker runs at once. */
  concurrency: 4,
  /** How long a fleet child waits for its target's migration lock before failing. */
  lockWaitMs: 60_000,
} as const;

/** Where the fleet's targets come from, and how a worker paces them; `describe` texts feed the README. */
export const fleetEnvSchema = z.object({
  TIDEMARK_TARGETS: z.string().min(1).optional().meta({
    description:
      "fleet targets file (`.json`, `.yaml` or `.yml`; relative to the directory `pnpm` was run from): a list of `{ name, url, passwordEnv? }`, URLs without passwords",
    shownDefault: "unset",
  }),
  TIDEMARK_TARGETS_QUERY: z.string().min(1).optional().meta({
    description:
      "SQL run read-only on the control database returning the fleet's targets: columns `name`, `url` and optionally `password_env` (with a targets file too, both are used)",
    shownDefault: "unset",
  }),
  TIDEMARK_CONTROL_DATABASE_URL: postgresUrl.optional().meta({
    description: "database `TIDEMARK_TARGETS_QUERY` runs on",
    shownDefault: "`DATABASE_URL`",
  }),
  TIDEMARK_FLEET_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(fleetDefaults.concurrency)
    .describe("fleet children (one target each) a worker migrates at once"),
  TIDEMARK_FLEET_LOCK_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(fleetDefaults.lockWaitMs)
    .describe("how long a fleet child waits for its target's migration lock before failing"),
});

/** The fleet variables as parsed by {@link fleetEnvSchema} (or a schema extending it). */
export type FleetEnv = z.infer<typeof fleetEnvSchema>;

/** The variables that say where the targets come from (a process that only reads the fleet needs no others). */
export type TargetSourceVariable =
  | "TIDEMARK_TARGETS"
  | "TIDEMARK_TARGETS_QUERY"
  | "TIDEMARK_CONTROL_DATABASE_URL";

/** {@link fleetEnvSchema} without the worker's pacing: for processes that read targets but migrate none (the API). */
export const targetSourceEnvSchema = fleetEnvSchema.pick({
  TIDEMARK_TARGETS: true,
  TIDEMARK_TARGETS_QUERY: true,
  TIDEMARK_CONTROL_DATABASE_URL: true,
});

/** Where to read the fleet's targets from: a file, a query on the control database, or both. */
export interface TargetsConfig {
  /** Absolute path of the targets file. */
  file?: string;
  /** SQL returning `name`, `url` and optionally `password_env`. */
  query?: string;
  /** Where {@link TargetsConfig.query} runs: `TIDEMARK_CONTROL_DATABASE_URL`, else `DATABASE_URL`. */
  controlDatabaseUrl: string;
}

/**
 * The targets configuration from parsed variables; null when no fleet is configured
 * (neither `TIDEMARK_TARGETS` nor `TIDEMARK_TARGETS_QUERY`).
 */
export function targetsConfigFrom(
  e: Pick<FleetEnv, TargetSourceVariable> & { DATABASE_URL: string; INIT_CWD?: string },
  cwd: string = process.cwd(),
): TargetsConfig | null {
  if (!e.TIDEMARK_TARGETS && !e.TIDEMARK_TARGETS_QUERY) return null;
  // Like BACKUP_DIR: relative to where the user typed the command, not the package pnpm ran in.
  const base = e.INIT_CWD ?? cwd;
  return {
    ...(e.TIDEMARK_TARGETS ? { file: path.resolve(base, e.TIDEMARK_TARGETS) } : {}),
    ...(e.TIDEMARK_TARGETS_QUERY ? { query: e.TIDEMARK_TARGETS_QUERY } : {}),
    controlDatabaseUrl: e.TIDEMARK_CONTROL_DATABASE_URL ?? e.DATABASE_URL,
  };
}
