import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { withDirect, withExamples, withJson } from "../help.js";

/** `backup [--label]`: pg_dump the database into BACKUP_DIR. */
export function registerBackup(program: Command): void {
  const cmd = program
    .command("backup")
    .description("Write a pg_dump -Fc backup (with a .json sidecar) into BACKUP_DIR")
    .option("-l, --label <label>", "a note stored in the sidecar and shown by `backups`");
  withJson(withDirect(cmd));
  withExamples(cmd, ["backup", 'backup --label "before the big import" --direct']);
  cmd.action(async () => {
    throw new TidemarkError("TM_INTERNAL", "`backup` is not available in this build yet. Nothing was done.");
  });
}
