import path from "node:path";
import { readUnverifiedReason } from "../adopt/marker.js";
import { backup } from "../backup/backup.js";
import { withDatabase } from "../connection.js";
import { withRecordedLock } from "../drift/schema-state.js";
import { TidemarkError } from "../errors.js";
import { runSteps } from "../executor/run-steps.js";
import { readMigrations } from "../journal.js";
import { dataLosses } from "../losses.js";
import { analyze, type MigrationState, planRollback } from "../plan.js";
import type { RollbackPreview } from "../reports.js";
import { configureSession } from "../session.js";
import { readApplied } from "../state.js";
import type { EngineContext, Migration, ProgressEvent, RunReport } from "../types.js";

/** Options of {@link rollback}. */
export interface RollbackOptions {
  /** `prev`, `base`, or a revision (full tag or `NNNN` prefix) to end at. */
  to: string;
  dryRun?: boolean;
  /** Skip the automatic restore point. */
  noBackup?: boolean;
  /** Run downs marked `-- tidemark:unverified` (adopt could not prove them) instead of refusing. */
  acceptUnverified?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  shouldStop?: () => boolean;
}

/** Where a rollback to `to` ends: the revision left applied after undoing `steps`. */
function targetOf(state: MigrationState, steps: Migration[]): string | null {
  const remaining = state.appliedMigrations.length - steps.length;
  return state.appliedMigrations[remaining - 1]?.tag ?? null;
}

/** Downs marked unverified among `steps`, with the reason on their first line. */
async function unverifiedDowns(steps: Migration[]): Promise<{ revision: string; reason: string }[]> {
  const out: { revision: string; reason: string }[] = [];
  for (const m of steps) {
    const reason = m.downFile ? await readUnverifiedReason(m.downFile) : null;
    if (reason) out.push({ revision: m.tag, reason });
  }
  return out;
}

/**
 * Why the rollback must not run, or null: every step needs a way down, and a down that adopt
 * could not prove runs only when the user accepts it. Checked before anything is touched.
 */
function refusalOf(
  steps: Migration[],
  unverified: { revision: string; reason: string }[],
  acceptUnverified: boolean,
): TidemarkError | null {
  const missing = steps.filter((m) => m.kind === "sql" && !m.downFile);
  if (missing.length) {
    return new TidemarkError(
      "TM_DOWN_MISSING",
      `Cannot roll back: ${missing.map((m) => `${m.tag}.down.sql`).join(", ")} missing. Write the down file(s) (pnpm cli adopt generates them for a drizzle-kit history), or restore a backup with pnpm cli restore <file>.`,
      { details: { revisions: missing.map((m) => m.tag) } },
    );
  }
  if (unverified.length && !acceptUnverified) {
    const files = unverified.map((u) => `${u.revision}.down.sql`).join(", ");
    const one = unverified.length === 1;
    return new TidemarkError(
      "TM_DOWN_UNVERIFIED",
      `Refusing to roll back: ${files} ${one ? "is" : "are"} marked unverified (adopt could not prove ${one ? "it restores" : "they restore"} the previous schema; the first line of each file says why). Nothing was changed. Check and fix ${one ? "the file" : "each file"} and delete that line, or pass --accept-unverified to run ${one ? "it" : "them"} as written.`,
      { details: { revisions: unverified.map((u) => u.revision), unverified } },
    );
  }
  return null;
}

/**
 * What a rollback to `to` would undo and the data it would destroy (tables/columns with row
 * counts), or — in `refusal` — why it will be refused before it touches anything.
 */
export async function previewRollback(
  ctx: EngineContext,
  to: string,
  options: { acceptUnverified?: boolean } = {},
): Promise<RollbackPreview> {
  const migrations = await readMigrations(ctx.migrationsDir);
  return withDatabase(ctx.databaseUrl, async (sql) => {
    const state = analyze(migrations, await readApplied(sql));
    const steps = planRollback(state, to);
    const unverified = await unverifiedDowns(steps);
    const refused = refusalOf(steps, unverified, Boolean(options.acceptUnverified));
    const preview: RollbackPreview = {
      from: state.current,
      to: targetOf(state, steps),
      steps,
      losses: await dataLosses(sql, steps),
      unverified,
    };
    if (refused) {
      const code = refused.code as "TM_DOWN_MISSING" | "TM_DOWN_UNVERIFIED";
      preview.refusal = { code, message: refused.message, revisions: refused.details.revisions as string[] };
    }
    return preview;
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
      const refused = refusalOf(plan, await unverifiedDowns(plan), Boolean(options.acceptUnverified));
      if (refused) throw refused;
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
          if (!(err instanceof TidemarkError) || !backupFile) throw err;
          // A new error that says where the restore point is; the original stays as its cause.
          throw new TidemarkError(
            err.code,
            `${err.message} The restore point taken before this rollback is ${backupFile} (pnpm cli restore ${path.basename(backupFile)}).`,
            { cause: err, details: { ...err.details, backupFile } },
          );
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
