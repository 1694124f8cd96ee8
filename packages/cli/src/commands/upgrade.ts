import type { Command } from "commander";
import { withDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./upgrade.run.js").action>;

/** `upgrade`: apply pending migrations. */
export function registerUpgrade(program: Command): void {
  const cmd = program
    .command("upgrade")
    .summary("apply pending migrations")
    .description("Apply pending migrations (through the worker, or in-process with --direct), then verify")
    .option("--to <revision>", "stop at this revision (inclusive) instead of the newest")
    .option("--dry-run", "show the plan without applying anything")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--single-transaction", "apply the whole plan in one transaction (all or nothing)");
  withJson(withDirect(cmd));
  withExamples(cmd, [
    "upgrade --dry-run",
    "upgrade --direct --yes",
    "upgrade --to 0002",
    "# in a deploy script (no TTY): proceeds without --yes",
    "upgrade --direct --json",
  ]);
  cmd.addHelpText(
    "after",
    "\nOn a terminal, upgrade shows the plan and its lint findings and asks before applying.\nOff a terminal it proceeds without --yes (applying is not destructive by itself), unless\nlint finds errors in the pending migrations (a dropped column, a narrowing type change…):\nthen it refuses (exit 3) until --yes is given. Findings accepted in the lint baseline\n(tidemark.lint-baseline.json) are not shown and never block; applied migrations are not linted.",
  );
  cmd.action(async (...args: ActionArgs) => (await import("./upgrade.run.js")).action(...args));
}
