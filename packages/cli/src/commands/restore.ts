import { realpath } from "node:fs/promises";
import path from "node:path";
import {
  type BackupInfo,
  backupDirOf,
  databaseName,
  listBackups,
  resolveBackupFile,
  type StatusReport,
  status,
} from "@tidemark/migrate";
import type { Command } from "commander";
import { confirmOrRefuse } from "../confirm.js";
import { type CliContext, createCliContext } from "../context.js";
import { withDirect, withExamples, withJson } from "../help.js";
import { color, formatBytes, heading, plural, print, printJson, rev, success, warning } from "../output.js";
import { runJob } from "../run-job.js";

/** Options of `restore`. */
interface RestoreFlags {
  yes?: boolean;
  /** false when `--no-backup` is given. */
  backup: boolean;
  /** Accept a dump taken from another database. */
  fromOtherDatabase?: boolean;
  direct?: boolean;
  /** `--timeout`, in ms. */
  timeout?: number;
  json?: boolean;
}

/** The database's current state, or null when it cannot be read (restoring a dropped database is legitimate). */
async function currentState(cli: CliContext): Promise<StatusReport | null> {
  try {
    return await status(cli.engine);
  } catch (err) {
    cli.logger.debug({ err }, "status before restore failed");
    return null;
  }
}

/** What is about to be replaced by what. */
function printPlan(info: BackupInfo | undefined, name: string, now: StatusReport | null, here: string): void {
  heading(`Restore ${name}`);
  if (info) {
    print(
      `  backup:   from database ${info.database}, revision ${rev(info.revision)}, taken ${info.createdAt}, ${formatBytes(info.size)}${info.label ? `, label ${info.label}` : ""}`,
    );
    if (info.database !== here) {
      warning(
        `This dump was taken from database ${info.database}, not ${here}: it replaces ${here} with another database's contents (needs --from-other-database).`,
      );
    }
  }
  const where = now ? `${now.database}, now at ${rev(now.current)}` : "current state unknown";
  print(`  database: ${where}`);
  print(color.red("Everything in the database is replaced by the backup's contents."));
}

/** Check the file, confirm, restore (directly or through the worker), then say where things stand. */
async function runRestore(cli: CliContext, file: string, flags: RestoreFlags): Promise<void> {
  const dir = backupDirOf(cli.engine);
  // Refuse paths outside BACKUP_DIR and missing files before asking anything.
  const resolved = await resolveBackupFile(dir, file);
  const name = path.relative(await realDir(dir, resolved), resolved);
  const info = (await listBackups(dir)).find((b) => b.name === path.basename(resolved));
  if (!flags.json) {
    printPlan(info, name, await currentState(cli), databaseName(cli.engine.databaseUrl));
    if (flags.backup) print("A safety backup of the current database is taken first.");
    else warning("--no-backup: no safety backup; the current contents cannot be recovered.");
  }
  await confirmOrRefuse({ question: `Replace the database with ${name}?`, yes: Boolean(flags.yes) });
  const report = await runJob(
    cli,
    {
      name: "restore",
      payload: {
        file: name,
        noBackup: !flags.backup,
        ...(flags.fromOtherDatabase ? { fromOtherDatabase: true } : {}),
      },
    },
    { direct: Boolean(flags.direct), json: flags.json, timeoutMs: flags.timeout },
  );
  if (flags.json) {
    printJson(report);
    return;
  }
  success(`Restored ${name}: the database is at ${rev(report.revision)}.`);
  if (report.pending.length > 0) {
    print(
      `An upgrade would apply ${plural(report.pending.length, "migration")}: ${report.pending.join(", ")}`,
    );
    print(`Bring it up to date with: ${color.bold("pnpm cli upgrade")}`);
  }
  if (report.extraTables.length > 0) {
    warning(`Tables that are not in the backup were left as they were: ${report.extraTables.join(", ")}`);
  }
  if (report.safetyBackup) {
    print(`Safety backup of the previous state: ${report.safetyBackup}`);
    print(`To undo this restore: ${color.bold(`pnpm cli restore ${path.basename(report.safetyBackup)}`)}`);
  }
}

/** BACKUP_DIR as the resolved file sees it (symlinked temp dirs would otherwise give `../..` names). */
async function realDir(dir: string, resolved: string): Promise<string> {
  return realpath(dir).catch(() => path.dirname(resolved));
}

/** `restore <file>`: replace the database with a backup from BACKUP_DIR. */
export function registerRestore(program: Command): void {
  const cmd = program
    .command("restore")
    .summary("restore a backup from BACKUP_DIR")
    .description("Restore the database from a backup in BACKUP_DIR (a safety backup is taken first)")
    .argument("<file>", "backup file name (or path) inside BACKUP_DIR, as listed by `backups`")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--no-backup", "skip the safety backup of the current database (not recommended)")
    .option(
      "--from-other-database",
      "accept a dump taken from another database (by name or server); refused without it",
    );
  withJson(withDirect(cmd));
  withExamples(cmd, [
    "backups",
    "restore tidemark_20260101T120000Z_0003_add_user_avatar_url.dump --yes --direct",
  ]);
  cmd.addHelpText(
    "after",
    "\nOnly files inside BACKUP_DIR are accepted. The file's sidecar hash is checked before the\ndatabase is touched. Off a terminal, restore refuses (exit 3) unless --yes is given.\nA dump taken from another database is refused (exit 3) unless --from-other-database is given too.",
  );
  cmd.action(async (file: string, flags: RestoreFlags) => runRestore(createCliContext(), file, flags));
}
