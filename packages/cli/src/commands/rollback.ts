import type { Command } from "commander";
import { withDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./rollback.run.js").action>;

/** `rollback prev|<rev>|base`: undo applied migrations. */
export function registerRollback(program: Command): void {
  const cmd = program
    .command("rollback")
    .summary("undo migrations, after listing the data lost")
    .description(
      "Roll back applied migrations, after listing the tables and columns (and rows) that will be lost",
    )
    .argument("<target>", "prev (one step), a revision to end at (tag or NNNN prefix), or base (everything)")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--dry-run", "show what would be undone and lost, and stop")
    .option("--no-backup", "skip the automatic restore point (not recommended)")
    .option(
      "--accept-unverified",
      "run down files marked `-- tidemark:unverified` (written by adopt, not proven) instead of refusing",
    );
  withJson(withDirect(cmd));
  withExamples(cmd, [
    "rollback prev --dry-run",
    "rollback prev",
    "rollback 0002 --yes --direct",
    "rollback base --yes",
    "rollback base --yes --accept-unverified",
  ]);
  cmd.addHelpText(
    "after",
    "\nA restore point is taken first (unless --no-backup) and printed at the end, with the\n`pnpm cli restore <file>` command that brings the data back. Off a terminal, rollback\nrefuses (exit 3) unless --yes is given. A down file whose first line is\n`-- tidemark:unverified` (adopt could not prove it) is refused (exit 3) unless\n--accept-unverified is given; the preview says so before anything runs.",
  );
  cmd.action(async (...args: ActionArgs) => (await import("./rollback.run.js")).action(...args));
}
