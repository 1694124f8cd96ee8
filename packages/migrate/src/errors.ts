/** What the registry knows about one error code. */
export interface ErrorCodeInfo {
  /** CLI exit status: 1 failure, 2 usage, 3 refused. */
  exit: number;
  /** HTTP status the API answers with. */
  http: number;
  summary: string;
  /** Worth retrying as is (the service may come back, the lock holder may finish). */
  transient?: true;
  /** What an operator should run next (shown by the API's boot failure and readiness). */
  next?: string;
}

/**
 * The engine's error registry: every failure a user can meet has a stable code, a message
 * that says what to do next, an exit code for the CLI and an HTTP status for the API.
 */
export const errorCodes = {
  TM_CONFIG_INVALID: {
    exit: 2,
    http: 500,
    summary: "configuration is invalid",
    next: "fix the variables named above and restart",
  },
  TM_USAGE: { exit: 2, http: 400, summary: "bad arguments" },
  TM_DB_UNREACHABLE: {
    exit: 1,
    http: 503,
    summary: "database cannot be reached",
    transient: true,
    next: "check DATABASE_URL and that PostgreSQL is running, then `pnpm cli status`",
  },
  TM_DB_CREATE_FAILED: { exit: 1, http: 500, summary: "database could not be created" },
  TM_JOURNAL_INVALID: {
    exit: 1,
    http: 500,
    summary: "migrations folder is inconsistent",
    next: "restore packages/db/migrations/meta/_journal.json from version control, then `pnpm cli status`",
  },
  TM_MIGRATION_MISSING: {
    exit: 1,
    http: 409,
    summary: "an applied migration is missing on disk",
    next: "`pnpm cli verify`, then restore the missing migration file from version control",
  },
  TM_DOWN_MISSING: { exit: 1, http: 409, summary: "a migration has no down file" },
  TM_DOWN_UNVERIFIED: {
    exit: 3,
    http: 409,
    summary: "a down file is marked unverified and was not accepted",
  },
  TM_UNKNOWN_REVISION: { exit: 2, http: 404, summary: "revision not found" },
  TM_CHECKSUM_MISMATCH: {
    exit: 1,
    http: 409,
    summary: "an applied migration changed on disk",
    next: "`pnpm cli verify`, then restore the applied migration file from version control",
  },
  TM_LATE_MIGRATION: {
    exit: 1,
    http: 409,
    summary: "a migration was merged behind applied ones",
    next: "`pnpm cli status` lists the late migration; give it a newer number and timestamp",
  },
  TM_LOCK_TIMEOUT: {
    exit: 1,
    http: 409,
    summary: "a table lock could not be acquired",
    transient: true,
    next: "`pnpm cli status` shows the blocking session; retry with `pnpm cli upgrade`",
  },
  TM_SESSION_LOST: { exit: 1, http: 503, summary: "the database connection dropped during a run" },
  TM_LOCK_BUSY: {
    exit: 1,
    http: 409,
    summary: "another migration run holds the lock",
    transient: true,
    next: "`pnpm cli status` shows who holds the migration lock",
  },
  TM_MIGRATION_FAILED: {
    exit: 1,
    http: 500,
    summary: "a migration statement failed",
    next: "fix the migration named above, then `pnpm cli upgrade` (or POST /migrations/jobs {name: upgrade}); `pnpm cli status` shows the failure",
  },
  TM_INVALID_INDEX: {
    exit: 1,
    http: 409,
    summary: "an interrupted concurrent index build left an invalid index",
    next: "`pnpm cli status` names the invalid index; drop it and `pnpm cli upgrade`",
  },
  TM_REFUSED: { exit: 3, http: 409, summary: "refused without confirmation" },
  TM_ABORTED: { exit: 3, http: 409, summary: "aborted by the user" },
  TM_SCHEMA_MISMATCH: { exit: 1, http: 500, summary: "database schema differs from the model" },
  TM_BACKUP_FAILED: { exit: 1, http: 500, summary: "backup failed" },
  TM_BACKUP_INVALID: { exit: 1, http: 422, summary: "backup file is not usable" },
  TM_BACKUP_PATH: { exit: 2, http: 400, summary: "backup file is outside BACKUP_DIR" },
  TM_PG_TOOL: { exit: 1, http: 500, summary: "pg_dump/pg_restore missing or too old" },
  TM_RESTORE_FAILED: { exit: 1, http: 500, summary: "restore failed" },
  TM_LINT_ERRORS: { exit: 1, http: 422, summary: "lint found errors" },
  TM_LINT_BASELINE_INVALID: { exit: 1, http: 500, summary: "the lint baseline file is unreadable" },
  TM_GENERATE_FAILED: { exit: 1, http: 500, summary: "migration could not be generated" },
  TM_PAYLOAD_INVALID: { exit: 2, http: 400, summary: "job payload does not match its schema" },
  TM_REDIS_UNAVAILABLE: {
    exit: 1,
    http: 503,
    summary: "Redis (the job queue) cannot be reached",
    transient: true,
    next: "start Redis (check REDIS_URL), or migrate without it: `pnpm cli upgrade --direct` or MIGRATE_ON_BOOT=inline",
  },
  TM_NO_WORKER: {
    exit: 1,
    http: 503,
    summary: "no migrator worker picked the job up",
    transient: true,
    next: "start the worker (`pnpm --dir apps/migrator start`) or run `pnpm cli upgrade --direct`",
  },
  TM_QUEUE_TIMEOUT: {
    exit: 1,
    http: 504,
    summary: "the job did not finish in time",
    transient: true,
    next: "`pnpm cli jobs` to see the running job, `pnpm cli status` for the lock holder",
  },
  TM_JOB_FAILED: { exit: 1, http: 500, summary: "the job failed in the worker" },
  TM_JOB_NOT_FOUND: { exit: 1, http: 404, summary: "the job does not exist (or was trimmed)" },
  TM_VALIDATION: { exit: 2, http: 400, summary: "request does not match the route's schema" },
  TM_BAD_REQUEST: { exit: 2, http: 400, summary: "request is malformed" },
  TM_UNAUTHORIZED: { exit: 2, http: 401, summary: "missing or wrong admin token" },
  TM_JOBS_DISABLED: { exit: 2, http: 403, summary: "job endpoints are disabled: ADMIN_TOKEN is not set" },
  TM_NOT_FOUND: { exit: 1, http: 404, summary: "no such route or resource" },
  TM_CONFLICT: { exit: 1, http: 409, summary: "a unique value is already taken" },
  TM_PAYLOAD_TOO_LARGE: { exit: 2, http: 413, summary: "request body is too large" },
  TM_PENDING_MIGRATIONS: {
    exit: 1,
    http: 503,
    summary: "migrations are pending and boot migration is off",
    next: "`pnpm cli upgrade` (boot migration is off), or set MIGRATE_ON_BOOT=queue",
  },
  TM_NOT_READY: { exit: 1, http: 503, summary: "the database is not migrated yet" },
  TM_WRONG_DATABASE: {
    exit: 1,
    http: 409,
    summary: "the job is for another database than the one the worker serves",
  },
  TM_RATE_LIMITED: { exit: 1, http: 429, summary: "too many requests from this client; retry later" },
  TM_QUEUE_FULL: { exit: 1, http: 429, summary: "too many jobs are being followed at once; retry later" },
  TM_JOB_INVALID: { exit: 1, http: 422, summary: "a job's data in Redis is not valid JSON" },
  TM_TARGETS_INVALID: {
    exit: 2,
    http: 500,
    summary: "the fleet's targets file or query is invalid",
    next: "fix the targets file or query named above",
  },
  TM_TARGET_PASSWORD: {
    exit: 2,
    http: 500,
    summary: "a fleet target's password variable is not set",
    next: "set the variable named above in the environment of the process that migrates the target",
  },
  TM_TARGET_UNKNOWN: { exit: 2, http: 404, summary: "no fleet target has that name" },
  TM_FLEET_HALTED: {
    exit: 1,
    http: 409,
    summary: "a fleet run halted before its next wave: a canary or too many targets failed",
    next: "fix the failed targets named above, then `pnpm cli fleet resume <id>`",
  },
  TM_FLEET_INCOMPLETE: {
    exit: 1,
    http: 409,
    summary: "a fleet run went through every wave but some targets failed",
    next: "fix the failed targets named above, then `pnpm cli fleet resume <id>`",
  },
  TM_FLEET_CANCELLED: {
    exit: 1,
    http: 409,
    summary: "a fleet run was cancelled; targets not started were skipped",
    next: "`pnpm cli fleet resume <id>` runs the skipped targets",
  },
  TM_FLEET_BUSY: { exit: 1, http: 409, summary: "another fleet run is still running", transient: true },
  TM_FLEET_NOT_FOUND: { exit: 1, http: 404, summary: "no such fleet run" },
  TM_FLEET_NOT_RESUMABLE: { exit: 3, http: 409, summary: "the fleet run is not in a state that allows this" },
  TM_FLEET_NOT_CONFIGURED: {
    exit: 2,
    http: 404,
    summary: "no fleet is configured: neither TIDEMARK_TARGETS nor TIDEMARK_TARGETS_QUERY is set",
  },
  TM_INTERNAL: { exit: 1, http: 500, summary: "unexpected internal error" },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable error code from {@link errorCodes}. */
export type ErrorCode = keyof typeof errorCodes;

/** True when `code` is one of the registry's codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCodes, code);
}

/** The registry entry of `code`, for code that reads optional fields such as `next`. */
export function errorInfo(code: ErrorCode): ErrorCodeInfo {
  return errorCodes[code];
}

/**
 * Driver and server codes meaning PostgreSQL cannot be reached or the session's backend went
 * away (terminated, crashed, restarting, socket closed): the one list the engine and the API use.
 */
export const connectionLostCodes: ReadonlySet<string> = new Set([
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
  "57P01", // admin_shutdown: the server is restarting or the backend was terminated
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);

/** PostgreSQL's lock_not_available: a lock was not granted within lock_timeout. */
export const LOCK_NOT_AVAILABLE = "55P03";

/** True for an error whose code is in {@link connectionLostCodes}. */
export function isConnectionLost(err: unknown): boolean {
  return (
    !!err && typeof err === "object" && connectionLostCodes.has(String((err as { code?: unknown }).code))
  );
}

/** Extra, machine-readable context carried by an error (migration, statement, pid…). */
export type ErrorDetails = Record<string, unknown>;

/** Every error the engine raises on purpose. `cause` keeps the underlying error. */
export class TidemarkError extends Error {
  override name = "TidemarkError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Exit code for the CLI (1 failure, 2 usage, 3 refused). */
  get exitCode(): number {
    return errorCodes[this.code].exit;
  }

  /** HTTP status for the API. */
  get httpStatus(): number {
    return errorCodes[this.code].http;
  }

  /** JSON shape shared by the API, job results and `--json` output. */
  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True for errors raised on purpose by Tidemark (as opposed to bugs). */
export function isTidemarkError(err: unknown): err is TidemarkError {
  return err instanceof TidemarkError;
}
