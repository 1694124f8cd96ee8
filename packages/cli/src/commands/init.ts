import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./init.run.js").action>;

/** `init`: start the migration history of a project. */
export function registerInit(program: Command): void {
  const cmd = program
    .command("init")
    .summary("start the migration history of a project")
    .description(
      "Create the migrations folder and the initial migration from the schema, and apply it (or stamp an existing database)",
    )
    .option("-y, --yes", "stamp a database that already has the tables without asking");
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    "init",
    "# the database already has the tables (off a terminal, stamping needs --yes):",
    "init --yes",
  ]);
  cmd.action(async (...args: ActionArgs) => (await import("./init.run.js")).action(...args));
}
