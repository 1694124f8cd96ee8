import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

/** `backups`: list the backups in BACKUP_DIR. */
export function registerBackups(program: Command): void {
  const cmd = program
    .command("backups")
    .description("List the backups and restore points in BACKUP_DIR (date, revision, size, label)");
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["backups", "backups --json"]);
  cmd.action(async () => {
    throw new TidemarkError("TM_INTERNAL", "`backups` is not available in this build yet.");
  });
}
