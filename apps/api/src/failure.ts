import { isTidemarkError, redactUrls } from "@tidemark/migrate";

/** A boot failure as served by `/health/ready` and logged with `❌ Database initialization error`. */
export interface Failure {
  /** Stable code of the root cause (the worker's own code when a job failed). */
  code: string;
  message: string;
  /** The migration and statement involved, when known. */
  migration: string | null;
  statement: string | null;
  details: Record<string, unknown>;
  /** What an operator should run next. */
  nextCommand: string;
  /** Transient failures (Redis, worker, network, lock) are retried in full; others wait for a fix. */
  transient: boolean;
}

const transientCodes = new Set([
  "TM_REDIS_UNAVAILABLE",
  "TM_NO_WORKER",
  "TM_QUEUE_TIMEOUT",
  "TM_DB_UNREACHABLE",
  "TM_LOCK_BUSY",
  "TM_LOCK_TIMEOUT",
]);

const nextCommands: Record<string, string> = {
  TM_REDIS_UNAVAILABLE:
    "start Redis (check REDIS_URL), or migrate without it: `pnpm cli upgrade --direct` or MIGRATE_ON_BOOT=inline",
  TM_NO_WORKER: "start the worker (`pnpm --dir apps/migrator start`) or run `pnpm cli upgrade --direct`",
  TM_QUEUE_TIMEOUT: "`pnpm cli jobs` to see the running job, `pnpm cli status` for the lock holder",
  TM_DB_UNREACHABLE: "check DATABASE_URL and that PostgreSQL is running, then `pnpm cli status`",
  TM_LOCK_BUSY: "`pnpm cli status` shows who holds the migration lock",
  TM_LOCK_TIMEOUT: "`pnpm cli status` shows the blocking session; retry with `pnpm cli upgrade`",
  TM_MIGRATION_FAILED:
    "fix the migration named above, then `pnpm cli upgrade` (or POST /migrations/jobs {name: upgrade}); `pnpm cli status` shows the failure",
  TM_CHECKSUM_MISMATCH: "`pnpm cli verify`, then restore the applied migration file from version control",
  TM_MIGRATION_MISSING: "`pnpm cli verify`, then restore the missing migration file from version control",
  TM_LATE_MIGRATION: "`pnpm cli status` lists the late migration; give it a newer number and timestamp",
  TM_JOURNAL_INVALID:
    "restore packages/db/migrations/meta/_journal.json from version control, then `pnpm cli status`",
  TM_INVALID_INDEX: "`pnpm cli status` names the invalid index; drop it and `pnpm cli upgrade`",
  TM_PENDING_MIGRATIONS: "`pnpm cli upgrade` (boot migration is off), or set MIGRATE_ON_BOOT=queue",
  TM_CONFIG_INVALID: "fix the variables named above and restart",
};

const connectionCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown: the server is restarting
  "57P03", // cannot_connect_now
]);

/** True for a driver error saying PostgreSQL cannot be reached (the API's pool does not wrap them). */
export function isConnectionError(err: unknown): boolean {
  return !!err && typeof err === "object" && connectionCodes.has(String((err as { code?: unknown }).code));
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/** Turn whatever a boot attempt threw into a {@link Failure} with the next command to run. */
export function describeFailure(err: unknown): Failure {
  let code = "TM_INTERNAL";
  let message = err instanceof Error ? err.message : String(err);
  let details: Record<string, unknown> = {};
  if (isTidemarkError(err)) {
    code = err.code;
    details = err.details;
    // A failed job carries the worker's own error; its code says what to do.
    const inner = (details.error ?? details.cause) as { code?: unknown; details?: unknown } | undefined;
    if (code === "TM_JOB_FAILED" && inner && typeof inner.code === "string") {
      code = inner.code;
      if (inner.details && typeof inner.details === "object") {
        details = { ...details, ...(inner.details as Record<string, unknown>) };
      }
    } else if (code === "TM_JOB_FAILED" && typeof details.code === "string") {
      code = details.code;
    }
  } else if (isConnectionError(err)) {
    code = "TM_DB_UNREACHABLE";
    message = `PostgreSQL cannot be reached: ${message}`;
  }
  return {
    code,
    message: redactUrls(message),
    migration: str(details.migration) ?? str(details.revision),
    statement: str(details.statement),
    details: JSON.parse(redactUrls(JSON.stringify(details))) as Record<string, unknown>,
    nextCommand: nextCommands[code] ?? "`pnpm cli status` for the database state, then the API logs",
    transient: transientCodes.has(code),
  };
}
