import path from "node:path";
import { previewRollback, type RollbackPreview, TidemarkError } from "@tidemark/migrate";
import { confirmOrRefuse } from "../confirm.js";
import { type CliContext, createCliContext } from "../context.js";
import { color, heading, plural, print, printJson, rev, rowCount, success, warning } from "../output.js";
import { runJob } from "../run-job.js";

/** Options of `rollback`. */
interface RollbackFlags {
  yes?: boolean;
  dryRun?: boolean;
  /** false when `--no-backup` is given. */
  backup: boolean;
  direct?: boolean;
  /** `--timeout`, in ms. */
  timeout?: number;
  json?: boolean;
  acceptUnverified?: boolean;
}

/** Print what the rollback undoes and, above all, what data it destroys — or why it will not run. */
function printPreview(preview: RollbackPreview, backup: boolean, backupDir: string | undefined): void {
  heading(
    `Rollback: ${rev(preview.from)} → ${rev(preview.to)} (${plural(preview.steps.length, "migration")})`,
  );
  const unverified = new Map((preview.unverified ?? []).map((u) => [u.revision, u.reason]));
  for (const step of preview.steps) {
    const note = unverified.has(step.tag) ? color.yellow(" (down unverified)") : "";
    print(`  ${color.dim("↶")} ${step.tag}${note}`);
  }
  // A refused rollback drops nothing and takes no restore point: promise neither.
  if (preview.refusal) {
    print(
      color.red(
        "✖ This rollback will be refused before anything runs: nothing is dropped, no restore point is taken.",
      ),
    );
    for (const [revision, reason] of unverified)
      print(`  ${color.yellow("⚠")} ${revision}.down.sql is unverified: ${reason}`);
    return;
  }
  if (preview.losses.length === 0) {
    print(color.dim("No tables or columns are dropped."));
  } else {
    print(color.red(color.bold("Data that will be lost:")));
    for (const loss of preview.losses) {
      const what =
        loss.kind === "table" ? `table ${loss.table}` : `column ${loss.table}.${loss.column ?? "?"}`;
      print(`  ${color.red("✖")} ${what} ${color.dim(`(${rowCount(loss.rows)}, by ${loss.revision})`)}`);
    }
  }
  if (unverified.size > 0) {
    warning(
      `--accept-unverified: ${plural(unverified.size, "down migration")} that adopt could not prove will run as written.`,
    );
  }
  if (backup) print(`A restore point (pg_dump) will be written to ${backupDir ?? "BACKUP_DIR"} first.`);
  else warning("--no-backup: no restore point will be taken; dropped data cannot be recovered.");
}

/** Preview, confirm, roll back, then say how to undo it. */
async function runRollback(cli: CliContext, target: string, flags: RollbackFlags): Promise<void> {
  const preview = await previewRollback(cli.engine, target, { acceptUnverified: flags.acceptUnverified });
  if (preview.steps.length === 0) {
    if (flags.json) printJson(preview);
    else success(`Nothing to roll back: already at ${rev(preview.from)}.`);
    return;
  }
  if (!flags.json) printPreview(preview, flags.backup, cli.engine.backupDir);
  if (preview.refusal) {
    const { code, message, revisions } = preview.refusal;
    throw new TidemarkError(code, message, { details: { revisions, unverified: preview.unverified } });
  }
  if (flags.dryRun) {
    if (flags.json) printJson(preview);
    else print(color.dim("Dry run: nothing was rolled back."));
    return;
  }
  const loses = preview.losses.length > 0 ? " and drop the data listed above" : "";
  await confirmOrRefuse({
    question: `Roll back ${plural(preview.steps.length, "migration")} to ${rev(preview.to)}${loses}?`,
    yes: Boolean(flags.yes),
  });
  // Pin the resolved target: `prev` must mean what the user just saw, even if the queue is slow.
  const report = await runJob(
    cli,
    {
      name: "rollback",
      payload: {
        to: preview.to ?? "base",
        noBackup: !flags.backup,
        ...(flags.acceptUnverified ? { acceptUnverified: true } : {}),
      },
    },
    { direct: Boolean(flags.direct), json: flags.json, timeoutMs: flags.timeout },
  );
  // Stopped by Ctrl-C between migrations: a clean stop, but not what was asked for.
  if (report.interrupted) process.exitCode = 3;
  if (flags.json) {
    printJson(report);
    return;
  }
  success(
    `Rolled back ${rev(report.from)} → ${rev(report.to)}: ${plural(report.steps.length, "migration")}.`,
  );
  if (report.interrupted) warning("Stopped early on request; run the rollback again to continue.");
  if (report.backupFile) {
    print(`Restore point: ${report.backupFile}`);
    // Restore takes names relative to BACKUP_DIR: the short form is the one to copy.
    print(
      `To undo this rollback with its data: ${color.bold(`pnpm cli restore ${path.basename(report.backupFile)}`)}`,
    );
  } else {
    print(`To re-apply the schema (without the dropped data): ${color.bold("pnpm cli upgrade")}`);
  }
}

/** The `rollback` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (target: string, flags: RollbackFlags) =>
  runRollback(createCliContext(), target, flags);
