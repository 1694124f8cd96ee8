import { withDatabase } from "../connection.js";
import { withRecordedLock } from "../drift/schema-state.js";
import { TidemarkError } from "../errors.js";
import { runSteps } from "../executor/run-steps.js";
import { recordFailure, runStep } from "../executor/step.js";
import { readMigrations } from "../journal.js";
import { analyze, planUpgrade } from "../plan.js";
import { pushSchemaTables } from "../push.js";
import { configureSession } from "../session.js";
import { ensureStateTables, readApplied } from "../state.js";
import { readScript } from "../statements.js";
import type { EngineContext, Migration, ProgressEvent, RunReport, StepReport } from "../types.js";

/** Options of {@link upgrade}. */
export interface UpgradeOptions {
  /** Stop at this revision (inclusive); default: the newest. */
  to?: string;
  /** Plan only: report the steps without touching the database. */
  dryRun?: boolean;
  /** Run the whole plan in one transaction instead of one per migration. */
  singleTransaction?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Checked between migrations: return true to stop after the migrations in flight (graceful shutdown). */
  shouldStop?: () => boolean;
}

/** Apply pending migrations under the advisory lock. */
export async function upgrade(ctx: EngineContext, options: UpgradeOptions = {}): Promise<RunReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  return withDatabase(
    ctx.databaseUrl,
    async (sql) => {
      if (options.dryRun) {
        const state = analyze(migrations, await readApplied(sql));
        const plan = planUpgrade(state, options.to);
        return report(state.current, plan.at(-1)?.tag ?? state.current, true, plan.map(planned));
      }
      return withRecordedLock(sql, ctx, "up", async () => {
        // After the lock: the timeouts must live on the backend that holds it.
        await configureSession(sql, ctx);
        if (migrations.length === 0) {
          const statements = await pushSchemaTables(sql, ctx);
          return report(null, null, false, [
            { revision: "schema-push", direction: "up", durationMs: 0, statements: statements.length },
          ]);
        }
        await ensureStateTables(sql);
        // Read state only once we hold the lock: whoever held it before may have applied our plan.
        const state = analyze(migrations, await readApplied(sql));
        const plan = planUpgrade(state, options.to);
        options.onProgress?.({ type: "plan", direction: "up", revisions: plan.map((m) => m.tag) });
        if (plan.length === 0) return report(state.current, state.current, false, []);
        ctx.logger.info({ from: state.current, pending: plan.length }, "applying migrations");
        const steps = options.singleTransaction
          ? await applyInOneTransaction(sql, ctx, plan, options)
          : await runSteps(sql, ctx, plan, "up", options);
        const result = report(state.current, steps.at(-1)?.revision ?? state.current, false, steps);
        if (steps.length < plan.length) result.interrupted = true;
        return result;
      });
    },
    // A dry run creates a missing database too: the plan it shows is the one upgrade will run.
    { create: ctx.createDatabase ?? true },
  );
}

async function applyInOneTransaction(
  sql: Parameters<typeof runStep>[0],
  ctx: EngineContext,
  plan: Migration[],
  options: UpgradeOptions,
): Promise<StepReport[]> {
  for (const m of plan) {
    if (m.kind !== "sql") continue;
    const { mode } = await readScript(m.file);
    if (!mode.transactional) {
      const where = mode.line ? ` on line ${mode.line}` : "";
      throw new TidemarkError(
        "TM_USAGE",
        `Migration ${m.tag} must run outside a transaction (${mode.reason}${where}), so --single-transaction cannot be used. Run upgrade without it.`,
        { details: { revision: m.tag, reason: mode.reason } },
      );
    }
  }
  const startedAt = new Date();
  try {
    return await applyPlanInTransaction(sql, ctx, plan, options);
  } catch (err) {
    // The failing step names itself in the error it built; nothing is added to it afterwards.
    const revision = err instanceof TidemarkError ? err.details.revision : undefined;
    const failed = plan.find((m) => m.tag === revision);
    if (failed && err instanceof TidemarkError) {
      const durationMs = Date.now() - startedAt.getTime();
      await recordFailure(sql, ctx, failed, "up", err, { startedAt, durationMs });
    }
    throw err;
  }
}

async function applyPlanInTransaction(
  sql: Parameters<typeof runStep>[0],
  ctx: EngineContext,
  plan: Migration[],
  options: UpgradeOptions,
): Promise<StepReport[]> {
  return (await sql.begin(async (tx) => {
    const steps: StepReport[] = [];
    for (const [index, m] of plan.entries()) {
      steps.push(
        await runStep(tx as unknown as typeof sql, ctx, m, "up", {
          index,
          total: plan.length,
          onProgress: options.onProgress,
          inTransaction: true,
        }),
      );
    }
    return steps;
  })) as StepReport[];
}

function planned(m: Migration): StepReport {
  return { revision: m.tag, direction: "up", durationMs: 0, statements: 0 };
}

function report(from: string | null, to: string | null, dryRun: boolean, steps: StepReport[]): RunReport {
  return { direction: "up", from, to, dryRun, steps };
}
