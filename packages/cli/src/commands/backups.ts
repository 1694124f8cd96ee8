import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./backups.run.js").action>;

/** `backups`: list the backups in BACKUP_DIR, newest first. */
export function registerBackups(program: Command): void {
  const cmd = program
    .command("backups")
    .summary("list backups and restore points")
    .description(
      "List the backups and restore points in BACKUP_DIR (date, source database, revision, size, label)",
    );
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["backups", "backups --json | jq -r '.[0].name'"]);
  cmd.action(async (...args: ActionArgs) => (await import("./backups.run.js")).action(...args));
}
