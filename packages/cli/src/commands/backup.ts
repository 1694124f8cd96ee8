import type { Command } from "commander";
import { withDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./backup.run.js").action>;

/** `backup [--label]`: pg_dump the database into BACKUP_DIR. */
export function registerBackup(program: Command): void {
  const cmd = program
    .command("backup")
    .summary("pg_dump the database into BACKUP_DIR")
    .description("Write a pg_dump -Fc backup (with a .json sidecar) into BACKUP_DIR")
    .option("-l, --label <label>", "a note shown by `backups` (letters, digits, '.', '_', '-'; at most 64)");
  withJson(withDirect(cmd));
  withExamples(cmd, ["backup", "backup --label before-import --direct", "backup --json | jq -r .file"]);
  cmd.action(async (...args: ActionArgs) => (await import("./backup.run.js")).action(...args));
}
