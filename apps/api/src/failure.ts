import { errorInfo, isConnectionLost, isErrorCode, isTidemarkError, redactUrls } from "@tidemark/migrate";

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

/** Said when the registry has no next step for a code. */
const DEFAULT_NEXT = "`pnpm cli status` for the database state, then the API logs";

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
  } else if (isConnectionLost(err)) {
    code = "TM_DB_UNREACHABLE";
    message = `PostgreSQL cannot be reached: ${message}`;
  }
  const info = isErrorCode(code) ? errorInfo(code) : undefined;
  return {
    code,
    message: redactUrls(message),
    migration: str(details.migration) ?? str(details.revision),
    statement: str(details.statement),
    details: JSON.parse(redactUrls(JSON.stringify(details))) as Record<string, unknown>,
    nextCommand: info?.next ?? DEFAULT_NEXT,
    transient: info?.transient ?? false,
  };
}
