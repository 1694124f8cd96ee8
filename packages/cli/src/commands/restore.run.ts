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
import { confirmOrRefuse } from "../confirm.js";
import { type CliContext, createCliContext } from "../context.js";
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

/** The `restore` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (file: string, flags: RestoreFlags) =>
  runRestore(createCliContext(), file, flags);
