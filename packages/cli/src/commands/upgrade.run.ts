// Single engine modules, not the whole engine; the SQL parser is loaded by the lint on a miss of
// its cache, or ahead of a direct run.
import { upgrade } from "@tidemark/migrate/modules/commands/upgrade";
import { verify } from "@tidemark/migrate/modules/commands/verify";
import { readMigrations } from "@tidemark/migrate/modules/journal";
import { lintMigrations } from "@tidemark/migrate/modules/lint/lint";
import type { LintReport } from "@tidemark/migrate/modules/lint/types";
import { loadPgParser } from "@tidemark/migrate/modules/pg-parser";
import type { RunReport } from "@tidemark/migrate/modules/types";
import { confirmOrRefuse, interactive } from "../confirm.js";
import { type CliContext, createCliContext } from "../context.js";
import { countFindings, printFindingsBrief, withBaseline } from "../findings.js";
import { openLintCache } from "../lint-cache.js";
import {
  color,
  formatDuration,
  heading,
  plural,
  print,
  printJson,
  rev,
  success,
  warning,
} from "../output.js";
import { runJob } from "../run-job.js";

/** Options of `upgrade`. */
interface UpgradeFlags {
  to?: string;
  dryRun?: boolean;
  yes?: boolean;
  singleTransaction?: boolean;
  direct?: boolean;
  /** `--timeout`, in ms. */
  timeout?: number;
  json?: boolean;
}

/** Print the plan computed by a dry run. */
function printPlan(plan: RunReport): void {
  heading(`Plan: ${rev(plan.from)} → ${rev(plan.to)} (${plural(plan.steps.length, "migration")})`);
  for (const [i, step] of plan.steps.entries()) print(`  ${color.dim(`${i + 1}.`)} ${step.revision}`);
}

/**
 * Lint the migrations about to run, leaving out what the lint baseline accepts: only the
 * pending migrations' new findings can block. Lint is advice, so a lint failure warns instead.
 */
async function lintPlan(cli: CliContext, plan: RunReport): Promise<LintReport | null> {
  try {
    const dir = cli.engine.migrationsDir;
    const migrations = await readMigrations(dir);
    const revisions = plan.steps.map((s) => s.revision);
    // Files judged before (same content, same predecessors, same lint code) are not parsed again,
    // so the WASM parser is loaded (by the lint) only on a miss.
    const cache = await openLintCache(dir, migrations);
    let report = cache.lookup(revisions);
    if (!report) {
      report = await lintMigrations(migrations, { revisions });
      await cache.store(report, revisions).catch((err: unknown) => {
        cli.logger.debug({ err }, "could not record the lint verdicts");
      });
    }
    return await withBaseline(report, dir, migrations);
  } catch (err) {
    cli.logger.warn({ err }, "lint of the pending migrations failed");
    return null;
  }
}

/** Compute the plan, confirm, run (directly or through the worker), then verify the result. */
async function runUpgrade(cli: CliContext, flags: UpgradeFlags): Promise<void> {
  const plan = await upgrade(cli.engine, {
    to: flags.to,
    dryRun: true,
    singleTransaction: flags.singleTransaction,
  });
  if (plan.steps.length === 0) {
    if (flags.json) printJson(plan);
    else success(`Already up to date at ${rev(plan.from)}.`);
    return;
  }
  // Migrations will run in this process: compile the SQL parser (WebAssembly, off the main
  // thread) while the lint, the plan's printing and the confirmation go on, instead of when the
  // run first meets a file it must parse. Only now: an up-to-date database never needs it.
  if (flags.direct && !flags.dryRun) loadPgParser().catch(() => {});
  const lint = await lintPlan(cli, plan);
  if (!flags.json) {
    printPlan(plan);
    if (lint === null) warning("Lint could not run on the pending migrations (see the log above).");
    else if (lint.findings.length > 0) {
      print();
      print(`${lint.errors > 0 ? color.red("✖") : color.yellow("⚠")} Lint: ${countFindings(lint)}.`);
      printFindingsBrief(lint);
    }
  }
  if (flags.dryRun) {
    if (flags.json) printJson({ ...plan, lint });
    else print(color.dim("Dry run: nothing was applied."));
    return;
  }
  // Applying migrations is not destructive by itself, so scripts may upgrade without --yes;
  // a person on a TTY is asked, and lint errors (data loss, failing rewrites) need an explicit yes.
  const risky = (lint?.errors ?? 0) > 0;
  if (interactive || risky) {
    await confirmOrRefuse({
      question: `Apply ${plural(plan.steps.length, "migration")} to ${plan.to}${risky ? " despite the lint errors above" : ""}?`,
      yes: Boolean(flags.yes),
    });
  }
  // Pin the target to what was shown, so a migration merged meanwhile is not applied unseen.
  const report = await runJob(
    cli,
    { name: "upgrade", payload: { to: plan.to ?? undefined, singleTransaction: flags.singleTransaction } },
    { direct: Boolean(flags.direct), json: flags.json, timeoutMs: flags.timeout },
  );
  const check = await verify(cli.engine);
  if (!check.ok) process.exitCode = 1;
  // Stopped by Ctrl-C between migrations: a clean stop, but not what was asked for.
  else if (report.interrupted) process.exitCode = 3;
  if (flags.json) {
    printJson({ ...report, verify: check });
    return;
  }
  const total = report.steps.reduce((sum, s) => sum + s.durationMs, 0);
  success(
    `Upgraded ${rev(report.from)} → ${rev(report.to)}: ${plural(report.steps.length, "migration")} in ${formatDuration(total)}.`,
  );
  if (report.interrupted) {
    warning(
      "Stopped early on request; the database is at a consistent revision. Run upgrade again to continue.",
    );
  }
  if (check.ok) success("Verified: applied migrations match the files on disk.");
  else {
    print(`${color.red("✖")} Verification found problems after the upgrade:`);
    for (const problem of check.problems) print(`  - ${problem}`);
  }
}

/** The `upgrade` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (flags: UpgradeFlags) => runUpgrade(createCliContext(), flags);
