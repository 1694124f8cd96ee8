import { engineDefaults } from "./config.js";
import { assertSessionAlive, type Sql, withDatabase } from "./connection.js";
import { connectionLostCodes as SESSION_ENDED, TidemarkError } from "./errors.js";
import { oneTripScript, runOneTrip } from "./one-trip.js";
import { invalidIndexes } from "./session.js";
import { deleteDrizzleRow, insertDrizzleRow, recordHistory } from "./state.js";
import { blocksFor, readScript, type SqlBlock } from "./statements.js";
import type { EngineContext, Migration, ProgressEvent, StepReport } from "./types.js";

/** The context a TypeScript migration's `up`/`down` receives (DESIGN §5). */
export interface CodeMigrationContext {
  sql: Sql;
  env: string;
  log: EngineContext["logger"];
}

interface CodeMigration {
  up?: (ctx: CodeMigrationContext) => Promise<void>;
  down?: (ctx: CodeMigrationContext) => Promise<void>;
}

/** Where a step sits in its run, for progress events and commit tuning. */
export interface StepPosition {
  index: number;
  total: number;
  /** Restore point recorded with the step's history row. */
  backupFile?: string;
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Commit without waiting for the WAL flush: safe because the run's last commit is synchronous
   * and flushes every earlier one with it, and each step commits atomically with its bookkeeping.
   */
  asyncCommit?: boolean;
  /** The caller already opened a transaction around the whole plan (`--single-transaction`). */
  inTransaction?: boolean;
}

/** Which statement of which file failed, attached to the driver error on its way up. */
interface StatementInfo {
  file: string;
  statementIndex: number;
  line: number;
  statement: string;
}

/** The statement running right now; read when a step fails, since the driver's error may not be its own. */
interface Cursor {
  at?: StatementInfo;
}

type Body = {
  transactional: boolean;
  statements: number;
  text: string;
  /** The SQL blocks, for the one-round-trip path (absent for TypeScript migrations). */
  blocks?: SqlBlock[];
  run: (sql: Sql, cursor: Cursor) => Promise<void>;
};

/** jiti compiles TypeScript migrations on the fly; loaded only when one runs. */
async function importCodeMigration(file: string): Promise<CodeMigration> {
  const { createJiti } = await import("jiti");
  return (await createJiti(import.meta.url, { moduleCache: false }).import(file)) as CodeMigration;
}
const LOCK_NOT_AVAILABLE = "55P03";

async function loadBody(ctx: EngineContext, m: Migration, direction: "up" | "down"): Promise<Body> {
  if (m.kind === "ts") {
    const mod = await importCodeMigration(m.file);
    const fn = mod[direction];
    if (typeof fn !== "function") {
      throw new TidemarkError("TM_DOWN_MISSING", `${m.file} does not export a ${direction}(ctx) function.`, {
        details: { revision: m.tag, file: m.file },
      });
    }
    return {
      transactional: true,
      statements: 1,
      text: "",
      run: (sql) => fn({ sql, env: ctx.environment, log: ctx.logger }),
    };
  }
  const file = direction === "up" ? m.file : m.downFile;
  if (!file) {
    throw new TidemarkError(
      "TM_DOWN_MISSING",
      `Migration ${m.tag} has no ${m.tag}.down.sql, so it cannot be rolled back. Write the down file (or restore from a backup with pnpm cli restore).`,
      { details: { revision: m.tag } },
    );
  }
  const script = await readScript(file);
  const blocks = blocksFor(script, ctx.environment);
  return {
    transactional: !script.noTransaction,
    blocks,
    text: blocks.map((b) => b.sql).join("\n"),
    statements: blocks.length,
    run: async (sql, cursor) => {
      for (const [i, block] of blocks.entries()) {
        cursor.at = {
          file,
          statementIndex: i + 1,
          line: block.line,
          statement: block.sql.length > 500 ? `${block.sql.slice(0, 500)}…` : block.sql,
        };
        await sql.unsafe(block.sql).simple();
        cursor.at = undefined;
      }
    },
  };
}

/**
 * The one-trip script failed as a whole; replay its statements one by one in a transaction that
 * is always rolled back, so the error can name the statement. Not for lost sessions or lock
 * timeouts, where the replay would only fail or wait again.
 */
async function locateFailure(sql: Sql, body: Body, cursor: Cursor, err: unknown): Promise<void> {
  const code = String((err as { code?: string }).code);
  if (SESSION_ENDED.has(code) || code === LOCK_NOT_AVAILABLE) return;
  const replayed = new Error("replay done");
  await sql
    .begin(async (tx) => {
      await body.run(tx as unknown as Sql, cursor);
      throw replayed;
    })
    .catch(() => {});
}

/**
 * A crash during CREATE INDEX CONCURRENTLY leaves an INVALID index that makes the rerun fail with
 * "already exists". Drop only invalid indexes this very migration creates, then build them again.
 */
async function dropInterruptedIndexes(
  sql: Sql,
  ctx: EngineContext,
  m: Migration,
  text: string,
): Promise<void> {
  const lowered = text.toLowerCase();
  for (const name of await invalidIndexes(sql)) {
    const [schema = "public", index = ""] = name.split(".");
    if (!lowered.includes(index.toLowerCase())) continue;
    ctx.logger.warn(
      { revision: m.tag, index: name },
      "dropping invalid index left by an interrupted run; it will be rebuilt",
    );
    await sql.unsafe(`drop index concurrently if exists "${schema}"."${index}"`);
  }
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

function pgFields(
  err: unknown,
  cursor: Cursor = {},
): { pgCode?: string; pgMessage?: string; pgDetail?: string } & Partial<StatementInfo> {
  const e = err as { code?: string; message?: string; detail?: string };
  return { pgCode: e.code, pgMessage: e.message, pgDetail: e.detail, ...(cursor.at ?? {}) };
}

/**
 * Apply or revert one migration with its bookkeeping (drizzle row + history row) atomically,
 * retrying a bounded number of times when a table lock cannot be taken within lock_timeout.
 */
export async function runStep(
  sql: Sql,
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  position: StepPosition,
): Promise<StepReport> {
  if (!position.inTransaction) assertSessionAlive(sql);
  const body = await loadBody(ctx, m, direction);
  const retries = ctx.lockRetries ?? engineDefaults.lockRetries;
  const appliedBy = { ...ctx.actor };
  position.onProgress?.({
    type: "step-start",
    revision: m.tag,
    index: position.index,
    total: position.total,
  });
  for (let attempt = 1; ; attempt++) {
    const cursor: Cursor = {};
    const startedAt = new Date();
    const t0 = performance.now();
    const bookkeeping = async (tx: Sql) => {
      if (position.asyncCommit) await tx`set local synchronous_commit = off`;
      if (direction === "up") await insertDrizzleRow(tx, m);
      else await deleteDrizzleRow(tx, m.when);
      const durationMs = Math.round(performance.now() - t0);
      await recordHistory(tx, {
        revision: m.tag,
        direction,
        checksum: m.checksum,
        startedAt,
        finishedAt: new Date(),
        durationMs,
        appliedBy,
        environment: ctx.environment,
        status: "ok",
        error: null,
        backupFile: position.backupFile ?? null,
      });
      return durationMs;
    };
    /** Run the body with its bookkeeping the way this step needs; resolves with its duration. */
    const execute = async (): Promise<number> => {
      if (position.inTransaction) {
        await body.run(sql, cursor);
        return bookkeeping(sql);
      }
      if (body.transactional && body.blocks) {
        const script = oneTripScript(body.blocks, {
          migration: m,
          direction,
          appliedBy,
          environment: ctx.environment,
          startedAt,
          backupFile: position.backupFile ?? null,
          asyncCommit: Boolean(position.asyncCommit),
        });
        await runOneTrip(sql, script).catch(async (err: unknown) => {
          await locateFailure(sql, body, cursor, err);
          throw err;
        });
        return Math.round(performance.now() - t0);
      }
      if (body.transactional) {
        return sql.begin(async (tx) => {
          await body.run(tx as unknown as Sql, cursor);
          return bookkeeping(tx as unknown as Sql);
        }) as Promise<number>;
      }
      // Outside a transaction (CREATE INDEX CONCURRENTLY…): the bookkeeping commits on its own.
      await body.run(sql, cursor);
      return sql.begin((tx) => bookkeeping(tx as unknown as Sql)) as Promise<number>;
    };
    try {
      if (!body.transactional) await dropInterruptedIndexes(sql, ctx, m, body.text);
      const durationMs = await execute();
      position.onProgress?.({
        type: "step-done",
        revision: m.tag,
        index: position.index,
        total: position.total,
        durationMs,
      });
      ctx.logger.info(
        { revision: m.tag, direction, durationMs },
        `migration ${direction === "up" ? "applied" : "rolled back"}`,
      );
      return { revision: m.tag, direction, durationMs, statements: body.statements };
    } catch (cause) {
      const fields = pgFields(cause, cursor);
      if (fields.pgCode === LOCK_NOT_AVAILABLE && attempt <= retries) {
        const delayMs = 500 * 2 ** (attempt - 1);
        ctx.logger.warn({ revision: m.tag, attempt, delayMs }, "lock timeout, retrying");
        position.onProgress?.({ type: "retry", revision: m.tag, attempt, delayMs, reason: "lock_timeout" });
        await new Promise((r) => setTimeout(r, delayMs));
        continue;
      }
      const err = await describeFailure(sql, m, direction, cause, cursor, {
        attempt,
        transactional: body.transactional,
      });
      // Inside a caller's transaction the session is aborted; the caller records after its rollback.
      if (!position.inTransaction) {
        const durationMs = Math.round(performance.now() - t0);
        const run = { startedAt, durationMs, backupFile: position.backupFile };
        // A dead session cannot record anything: write the failure through a fresh one.
        if (err.code === "TM_SESSION_LOST") {
          await withDatabase(ctx.databaseUrl, (fresh) =>
            recordFailure(fresh, ctx, m, direction, err, run),
          ).catch(() =>
            ctx.logger.error({ revision: m.tag }, "could not record the failure: database unreachable"),
          );
        } else {
          await recordFailure(sql, ctx, m, direction, err, run);
        }
      }
      (err as { failedMigration?: Migration }).failedMigration = m;
      throw err;
    }
  }
}

/** Turn a driver error into a TidemarkError naming the migration, file, statement and next step. */
async function describeFailure(
  sql: Sql,
  m: Migration,
  direction: "up" | "down",
  cause: unknown,
  cursor: Cursor,
  run: { attempt: number; transactional: boolean },
): Promise<TidemarkError> {
  if (cause instanceof TidemarkError) return cause;
  const fields = pgFields(cause, cursor);
  const where = fields.statementIndex
    ? ` at statement ${fields.statementIndex} (line ${fields.line} of ${fields.file})`
    : "";
  if (fields.pgCode === LOCK_NOT_AVAILABLE) {
    const blockers = await findBlockers(sql, String(fields.statement ?? "")).catch(() => []);
    const named = blockers.map(
      (b) => `pid ${b.pid} (${b.state}, holds ${b.mode} on ${b.relname}: ${b.query.slice(0, 120)})`,
    );
    return new TidemarkError(
      "TM_LOCK_TIMEOUT",
      `Migration ${m.tag} could not lock its table within lock_timeout after ${run.attempt} attempts${where}. Blocked by ${named.join("; ") || "an unknown session"}. Wait for that work to finish or end it with SELECT pg_terminate_backend(pid), then retry.`,
      { cause, details: { revision: m.tag, ...fields, blockers } },
    );
  }
  if (SESSION_ENDED.has(String(fields.pgCode ?? (cause as { code?: string }).code))) {
    const kept = run.transactional
      ? "Nothing of it was kept: PostgreSQL rolled its transaction back, so the database is still at the previous revision."
      : "It ran outside a transaction: check which of its statements were applied.";
    return new TidemarkError(
      "TM_SESSION_LOST",
      `Migration ${m.tag} (${direction}) failed${where}: the connection to PostgreSQL was lost (${fields.pgMessage ?? "connection closed"}). ${kept} Run the command again once the database is reachable.`,
      { cause, details: { revision: m.tag, direction, ...fields } },
    );
  }
  const state = run.transactional
    ? "Nothing of it was kept; the database is still at the previous revision."
    : "It ran outside a transaction, so statements before the failing one stayed applied; check them before retrying.";
  return new TidemarkError(
    "TM_MIGRATION_FAILED",
    `Migration ${m.tag} (${direction}) failed${where}: ${fields.pgMessage ?? String(cause)}. ${state} Fix the migration and run upgrade again.`,
    { cause, details: { revision: m.tag, direction, ...fields } },
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
