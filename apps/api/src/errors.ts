import {
  type ErrorCode,
  errorCodes,
  isConnectionLost,
  isTidemarkError,
  redactUrls,
  TidemarkError,
} from "@tidemark/migrate";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** The one error shape every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** PostgreSQL's SQLSTATE for a unique violation. */
const UNIQUE_VIOLATION = "23505";

/** Find a PostgreSQL error in a cause chain (drizzle wraps the driver's error). */
function pgError(err: unknown): { code: string; detail?: string; constraint_name?: string } | null {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && "severity" in e) {
      return e as unknown as { code: string; detail?: string };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

function body(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/** An answer with the registry's HTTP status for `code`. */
function answer(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): { status: number; body: ErrorBody } {
  return { status: errorCodes[code].http, body: body(code, message, details) };
}

/** Map any error to an HTTP status and the shared error shape with a stable code. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (isTidemarkError(err)) {
    const details = JSON.parse(redactUrls(JSON.stringify(err.details))) as Record<string, unknown>;
    return { status: err.httpStatus, body: body(err.code, redactUrls(err.message), details) };
  }
  const fe = err as Partial<FastifyError> & { validation?: unknown[]; validationContext?: string };
  if (fe.validation) {
    return answer("TM_VALIDATION", fe.message ?? "invalid request", {
      in: fe.validationContext,
      validation: fe.validation,
    });
  }
  // The API's pool does not wrap driver errors: a lost connection arrives as is.
  if (isConnectionLost(err)) {
    const message = redactUrls(err instanceof Error ? err.message : String(err));
    return answer(
      "TM_DB_UNREACHABLE",
      `PostgreSQL cannot be reached (${message}); check DATABASE_URL and the server.`,
    );
  }
  const pg = pgError(err);
  if (pg?.code === UNIQUE_VIOLATION) {
    const field = /^Key \(([^)]+)\)/.exec(pg.detail ?? "")?.[1];
    const message = field ? `Another row already has this ${field}.` : "A unique value is already taken.";
    return answer("TM_CONFLICT", `${message} Choose a different value.`, { field });
  }
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return answer("TM_PAYLOAD_TOO_LARGE", `${fe.message} Send a smaller body.`);
  }
  const status = fe.statusCode ?? 500;
  if (status === 404) return answer("TM_NOT_FOUND", fe.message ?? "Not found.");
  if (status >= 400 && status < 500) {
    // Fastify's own 4xx (415, 406…) are more precise than the registry's generic 400: keep them.
    return { status, body: body("TM_BAD_REQUEST", redactUrls(fe.message ?? "Bad request.")) };
  }
  return answer(
    "TM_INTERNAL",
    "Unexpected error; the API log has the details (search for this request's id).",
  );
}

/** A 404 for a missing row, in the shared shape. */
export function notFound(what: string, id: number | string): TidemarkError {
  return new TidemarkError("TM_NOT_FOUND", `No ${what} with id ${id}.`, { details: { id } });
}

/** The single row an INSERT … RETURNING produced (its absence is a bug, not a user error). */
export function one<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined)
    throw new TidemarkError("TM_INTERNAL", "The database returned no row for an insert.");
  return row;
}

/** Install the one error handler and the 404 handler on the root instance. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body: payload } = toHttpError(err);
    // Deliberate errors (503 not ready, 409 lock busy…) are events; only bugs deserve a stack.
    if (status >= 500 && !isTidemarkError(err))
      req.log.error({ err, code: payload.error.code }, "request failed");
    else
      req.log[status >= 500 ? "warn" : "info"]({ code: payload.error.code, status }, payload.error.message);
    if (status === 401) reply.header("www-authenticate", 'Bearer realm="tidemark"');
    return reply.code(status).send(payload);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(errorCodes.TM_NOT_FOUND.http)
      .send(body("TM_NOT_FOUND", `No route ${req.method} ${req.url.split("?")[0]}.`)),
  );
}
