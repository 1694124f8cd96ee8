import { z } from "zod";
import { status } from "../commands/status.js";
import { createEngineContext, type EngineContextConfig, processActor } from "../context.js";
import { isTidemarkError } from "../errors.js";
import { describeDatabaseUrl } from "../redact.js";
import type { Logger } from "../types.js";
import { mapLimit } from "./map-limit.js";
import { aboutTarget } from "./target-error.js";
import { targetConnectionUrl } from "./targets.js";
import type { FleetTarget } from "./validate.js";

/** One row of `fleet status`: where a target stands, or why it could not be read. */
export const targetStatusSchema = z.object({
  target: z.string(),
  /** `host:port/database`, never the password. */
  database: z.string(),
  reachable: z.boolean(),
  current: z.string().nullable(),
  latest: z.string().nullable(),
  pending: z.number().int(),
  /** Applied files changed or missing on disk, plus the live schema against the recorded one. */
  drift: z.object({ files: z.number().int(), schema: z.string().nullable() }).nullable(),
  lockHolder: z
    .object({ pid: z.number().int(), applicationName: z.string(), since: z.string().nullable() })
    .nullable(),
  lastFailure: z.object({ revision: z.string(), error: z.string().nullable(), at: z.string() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** One row of `fleet status`. */
export type TargetStatus = z.infer<typeof targetStatusSchema>;

/** Reads at once by default: enough to hide network latency, few enough to spare the servers. */
export const FLEET_STATUS_CONCURRENCY = 8;

async function readTarget(
  target: FleetTarget,
  config: EngineContextConfig,
  logger: Logger,
): Promise<TargetStatus> {
  const row = {
    target: target.name,
    database: describeDatabaseUrl(target.url),
    reachable: false,
    current: null,
    latest: null,
    pending: 0,
    drift: null,
    lockHolder: null,
    lastFailure: null,
    error: null,
  };
  try {
    const ctx = createEngineContext(
      { ...config, databaseUrl: targetConnectionUrl(target) },
      processActor("cli"),
      logger,
    );
    const s = await status(ctx);
    if (!s.databaseExists) {
      return {
        ...row,
        error: { code: "TM_DB_UNREACHABLE", message: `Database ${row.database} does not exist.` },
      };
    }
    const holder = s.lockHolder;
    const failure = s.lastFailure;
    return {
      ...row,
      reachable: true,
      current: s.current,
      latest: s.latest,
      pending: s.pending.length,
      drift: { files: s.drift.length, schema: s.schemaDrift?.state ?? null },
      lockHolder: holder
        ? { pid: holder.pid, applicationName: holder.applicationName, since: holder.since }
        : null,
      lastFailure: failure
        ? { revision: failure.revision, error: failure.error, at: failure.finishedAt ?? failure.startedAt }
        : null,
    };
  } catch (caught) {
    const err = aboutTarget(caught, target);
    const code = isTidemarkError(err) ? err.code : "TM_INTERNAL";
    const message = err instanceof Error ? err.message : String(err);
    return { ...row, error: { code, message } };
  }
}

/**
 * Where every target stands, read concurrently with a bound. A target that cannot be read is a
 * row with its error, never a failure of the whole listing.
 */
export function fleetStatus(
  targets: FleetTarget[],
  config: EngineContextConfig,
  logger: Logger,
  concurrency = FLEET_STATUS_CONCURRENCY,
): Promise<TargetStatus[]> {
  return mapLimit(targets, concurrency, (t) => readTarget(t, config, logger));
}

/** How many targets are up to date, behind, or could not be read. */
export function countTargets(rows: TargetStatus[]) {
  const unreadable = rows.filter((r) => !r.reachable).length;
  const behind = rows.filter((r) => r.reachable && r.pending > 0).length;
  return { targets: rows.length, upToDate: rows.length - behind - unreadable, behind, unreadable };
}
