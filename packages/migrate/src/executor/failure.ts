import type { Sql } from "../connection.js";
import { connectionLostCodes, LOCK_NOT_AVAILABLE, TidemarkError } from "../errors.js";
import type { RunMode } from "../run-mode.js";
import { describeSessions } from "../session-query.js";
import { recordHistory } from "../state.js";
import type { EngineContext, Migration } from "../types.js";
import type { Cursor } from "./locate.js";
import type { OutsideProgress } from "./outside.js";

/** How the failed step ran, which decides what of it is still in the database. */
export type HowItRan =
  | { kind: "one-transaction" }
  | { kind: "caller-transaction" }
  | { kind: "outside"; mode: Extract<RunMode, { transactional: false }>; progress: OutsideProgress };

/** The run's attempt count and mode, as {@link describeFailure} reports them. */
export interface FailedRun {
  attempt: number;
  how: HowItRan;
}

/** Sessions holding relation locks that a timed-out statement may have waited for. */
async function findBlockers(sql: Sql, statement: string) {
  const rows = await sql<{ pid: number; state: string; query: string; relname: string; mode: string }[]>`
    select distinct a.pid, a.state, a.query, c.relname, l.mode
    from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    join pg_class c on c.oid = l.relation
    where l.granted and l.locktype = 'relation' and a.pid <> pg_backend_pid()
      and a.datname = current_database() and c.relnamespace <> 'pg_catalog'::regnamespace`;
  const mentioned = rows.filter((r) => statement.toLowerCase().includes(r.relname.toLowerCase()));
  return (mentioned.length ? mentioned : rows).slice(0, 5);
}

/** The driver error's PostgreSQL fields and the statement the cursor was at. */
export function pgFields(err: unknown, cursor: Cursor = {}) {
  const e = err as { code?: string; message?: string; detail?: string };
  return { pgCode: e.code, pgMessage: e.message, pgDetail: e.detail, ...(cursor.at ?? {}) };
}

/** `1–3, 5` for [1, 2, 3, 5]. */
export function ranges(numbers: number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] ?? 0) === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j;
  }
  return parts.join(", ");
}

const statements = (numbers: number[]) =>
  `${numbers.length === 1 ? "statement" : "statements"} ${ranges(numbers)}`;
const capitalized = (text: string) => `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}`;

/** What of the failed step is still in the database, and what to do about it: always true. */
function whatStayed(how: HowItRan, failed: number | undefined, verb: string, lost: boolean): string {
  if (how.kind === "caller-transaction") {
    return "Nothing of this run was kept: --single-transaction ran it as one transaction, which PostgreSQL rolled back.";
  }
  if (how.kind === "one-transaction") {
    return "Nothing of it was kept: PostgreSQL rolled its transaction back, so the database is still at the previous revision.";
  }
  const { kept, undone } = how.progress;
  const inFlight =
    lost && failed ? ` Statement ${failed} may or may not have completed before the connection dropped.` : "";
  const why = `It runs outside a transaction (${how.mode.reason}${how.mode.line ? ` on line ${how.mode.line}` : ""})`;
  const rolledBack = undone.length
    ? ` ${capitalized(statements(undone))} ran inside the file's own BEGIN and ${undone.length === 1 ? "was" : "were"} rolled back.`
    : "";
  if (kept.length === 0) {
    return `${why}, but none of its statements had committed, so nothing of it was kept.${rolledBack}${inFlight}`;
  }
  return `${why}: ${statements(kept)} ran and ${kept.length === 1 ? "stays" : "stay"} applied.${rolledBack}${inFlight} The migration is not recorded as applied, so the next ${verb} runs the file again from its first statement: make what stayed safe to repeat (IF NOT EXISTS / IF EXISTS) or undo it by hand first.`;
}

/** Turn a driver error into a TidemarkError naming the migration, file, statement and next step. */
export async function describeFailure(
  sql: Sql,
  m: Migration,
  direction: "up" | "down",
  cause: unknown,
  cursor: Cursor,
  run: FailedRun,
): Promise<TidemarkError> {
  if (cause instanceof TidemarkError) return cause;
  const fields = pgFields(cause, cursor);
  const lineNote =
    fields.errorLine && fields.errorLine !== fields.line ? `; the error is on line ${fields.errorLine}` : "";
  const where = fields.statementIndex
    ? ` at statement ${fields.statementIndex} (line ${fields.line} of ${fields.file}${lineNote})`
    : "";
  const verb = direction === "up" ? "upgrade" : "rollback";
  const lost = connectionLostCodes.has(String(fields.pgCode));
  const stayed = whatStayed(run.how, fields.statementIndex, verb, lost);
  const progress = run.how.kind === "outside" ? run.how.progress : undefined;
  const details = {
    revision: m.tag,
    direction,
    runMode: run.how.kind,
    ...(progress ? { kept: [...progress.kept], rolledBack: [...progress.undone] } : {}),
    ...fields,
  };
  if (fields.pgCode === LOCK_NOT_AVAILABLE) {
    // Other sessions' SQL is shown with its literals replaced by $n (session-query.ts).
    const blockers = await describeSessions(
      await findBlockers(sql, String(fields.statement ?? "")).catch(() => []),
    );
    const named = blockers.map(
      (b) => `pid ${b.pid} (${b.state}, holds ${b.mode} on ${b.relname}: ${b.query.slice(0, 120)})`,
    );
    return new TidemarkError(
      "TM_LOCK_TIMEOUT",
      `Migration ${m.tag} could not lock its table within lock_timeout after ${run.attempt} attempts${where}. Blocked by ${named.join("; ") || "an unknown session"}. ${stayed} Wait for that work to finish or end it with SELECT pg_terminate_backend(pid), then run ${verb} again.`,
      { cause, details: { ...details, blockers } },
    );
  }
  if (lost) {
    return new TidemarkError(
      "TM_SESSION_LOST",
      `Migration ${m.tag} (${direction}) failed${where}: the connection to PostgreSQL was lost (${fields.pgMessage ?? "connection closed"}). ${stayed} Run ${verb} again once the database is reachable.`,
      { cause, details },
    );
  }
  return new TidemarkError(
    "TM_MIGRATION_FAILED",
    `Migration ${m.tag} (${direction}) failed${where}: ${fields.pgMessage ?? String(cause)}. ${stayed} Fix the migration and run ${verb} again.`,
    { cause, details },
  );
}

/** Record a failed step in tidemark.history in its own transaction (the step's own was rolled back). */
export async function recordFailure(
  sql: Sql,
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  err: TidemarkError,
  run: { startedAt: Date; durationMs: number; backupFile?: string },
): Promise<void> {
  await recordHistory(sql, {
    revision: m.tag,
    direction,
    checksum: m.checksum,
    startedAt: run.startedAt,
    finishedAt: new Date(),
    durationMs: run.durationMs,
    appliedBy: { ...ctx.actor },
    environment: ctx.environment,
    status: "failed",
    error: `${err.code}: ${err.message}`,
    backupFile: run.backupFile ?? null,
  }).catch((e: unknown) => ctx.logger.error({ err: e }, "could not record the failure in tidemark.history"));
  ctx.logger.error({ revision: m.tag, code: err.code, ...err.details }, "migration failed");
}
