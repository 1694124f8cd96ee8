import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { withDirect, withExamples, withJson } from "../help.js";

/** `restore <file>`: replace the database with a backup from BACKUP_DIR. */
export function registerRestore(program: Command): void {
  const cmd = program
    .command("restore")
    .description("Restore the database from a backup in BACKUP_DIR (a safety backup is taken first)")
    .argument("<file>", "backup file name (or path) inside BACKUP_DIR, as listed by `backups`")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--no-backup", "skip the safety backup of the current database (not recommended)");
  withJson(withDirect(cmd));
  withExamples(cmd, ["backups", "restore tidemark_20260101T120000Z_0003_add_user_avatar_url.dump"]);
  cmd.action(async () => {
    throw new TidemarkError(
      "TM_INTERNAL",
      "`restore` is not available in this build yet. Nothing was changed.",
    );
  });
}
