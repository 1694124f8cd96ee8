import type { Command } from "commander";
import { withDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./restore.run.js").action>;

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
  cmd.action(async (...args: ActionArgs) => (await import("./restore.run.js")).action(...args));
}
