import { backup } from "./backup/backup.js";
import { withDatabase } from "./connection.js";
import { TidemarkError } from "./errors.js";
import { readMigrations } from "./journal.js";
import { dataLosses } from "./losses.js";
import { analyze, type MigrationState, planRollback } from "./plan.js";
import type { RollbackPreview } from "./reports.js";
import { runSteps } from "./run-steps.js";
import { withRecordedLock } from "./schema-state.js";
import { configureSession } from "./session.js";
import { readApplied } from "./state.js";
import type { EngineContext, Migration, ProgressEvent, RunReport } from "./types.js";

/** Options of {@link rollback}. */
export interface RollbackOptions {
  /** `prev`, `base`, or a revision (full tag or `NNNN` prefix) to end at. */
  to: string;
  dryRun?: boolean;
  /** Skip the automatic restore point (DESIGN §9). */
  noBackup?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  shouldStop?: () => boolean;
}

/** Where a rollback to `to` ends: the revision left applied after undoing `steps`. */
function targetOf(state: MigrationState, steps: Migration[]): string | null {
  const remaining = state.appliedMigrations.length - steps.length;
  return state.appliedMigrations[remaining - 1]?.tag ?? null;
}

/** Every step needs a way down; check them all before touching anything. */
function assertReversible(steps: Migration[]): void {
  const missing = steps.filter((m) => m.kind === "sql" && !m.downFile);
  if (missing.length) {
    throw new TidemarkError(
      "TM_DOWN_MISSING",
      `Cannot roll back: ${missing.map((m) => `${m.tag}.down.sql`).join(", ")} missing. Write the down file(s), or restore a backup with pnpm cli restore <file>.`,
      { details: { revisions: missing.map((m) => m.tag) } },
    );
  }
}

/** What a rollback to `to` would undo and the data it would destroy (tables/columns with row counts). */
export async function previewRollback(ctx: EngineContext, to: string): Promise<RollbackPreview> {
  const migrations = await readMigrations(ctx.migrationsDir);
  return withDatabase(ctx.databaseUrl, async (sql) => {
    const state = analyze(migrations, await readApplied(sql));
    const steps = planRollback(state, to);
    return { from: state.current, to: targetOf(state, steps), steps, losses: await dataLosses(sql, steps) };
  });
}

/** Roll back applied migrations down to `to`, under the advisory lock, newest first. */
export async function rollback(ctx: EngineContext, options: RollbackOptions): Promise<RunReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  return withDatabase(ctx.databaseUrl, async (sql) => {
    return withRecordedLock(sql, ctx, "down", async () => {
      await configureSession(sql, ctx);
      const state = analyze(migrations, await readApplied(sql));
      const plan = planRollback(state, options.to);
      assertReversible(plan);
      const to = targetOf(state, plan);
      const result: RunReport = {
        direction: "down",
        from: state.current,
        to,
        dryRun: !!options.dryRun,
        steps: [],
      };
      if (options.dryRun || plan.length === 0) {
        result.steps = options.dryRun
          ? plan.map((m) => ({ revision: m.tag, direction: "down", durationMs: 0, statements: 0 }))
          : [];
        return result;
      }
      if (!options.noBackup) {
        const point = await backup(ctx, {
          reason: "restore-point",
          label: `before-rollback-to-${to ?? "base"}`,
        });
        result.backupFile = point.file;
        options.onProgress?.({ type: "backup", file: point.file });
      }
      options.onProgress?.({ type: "plan", direction: "down", revisions: plan.map((m) => m.tag) });
      ctx.logger.info(
        { from: state.current, to, steps: plan.length, backupFile: result.backupFile },
        "rolling back",
      );
      const backupFile = result.backupFile;
      result.steps = await runSteps(sql, ctx, plan, "down", { ...options, backupFile }).catch(
        (err: unknown) => {
          if (err instanceof TidemarkError && backupFile) {
            err.message += ` The restore point taken before this rollback is ${backupFile} (pnpm cli restore ${backupFile}).`;
          }
          throw err;
        },
      );
      if (result.steps.length < plan.length) {
        result.interrupted = true;
        result.to = targetOf(state, plan.slice(0, result.steps.length));
      }
      return result;
    });
  });
}
