import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

/** `init`: start the migration history of a project. */
export function registerInit(program: Command): void {
  const cmd = program
    .command("init")
    .description(
      "Create the migrations folder and the initial migration from the schema, and apply it (or stamp an existing database)",
    )
    .option("-y, --yes", "stamp an existing database as the baseline without asking");
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["init", "# a database that already has the tables:", "init --yes"]);
  cmd.action(async () => {
    throw new TidemarkError("TM_INTERNAL", "`init` is not available in this build yet.");
  });
}
