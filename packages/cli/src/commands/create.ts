import type { Command } from "commander";
import { acceptDirect, collect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./create.run.js").action>;

/** `create "msg"`: generate a migration from the schema diff. */
export function registerCreate(program: Command): void {
  const cmd = program
    .command("create")
    .summary("generate the next migration from the schema")
    .description(
      "Generate the next migration (up and down SQL) from the schema, validated on a scratch database",
    )
    .argument("<message>", 'what the change does, e.g. "Add user avatar URL"')
    .option("--custom", "an empty SQL migration (with a down file) for hand-written data changes")
    .option("--ts", "a TypeScript migration exporting up(ctx) and down(ctx)")
    .option("--rename <table.column=new>", "treat a column change as a rename (repeatable)", collect, [])
    .option("--rename-table <old=new>", "treat a table change as a rename (repeatable)", collect, [])
    .option(
      "--allow-drop",
      "write drops of tables/columns without asking (needed off a terminal; the deployed code must no longer use them); recorded as accepted in the lint baseline",
    );
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    'create "Add user avatar URL"',
    'create "Rename email" --rename users.email=email_address',
    'create "Rename categories" --rename-table categories=tags',
    'create "Drop legacy avatar column" --allow-drop',
    'create --custom "Backfill avatar URLs"',
    'create --ts "Split full names"',
  ]);
  cmd.addHelpText(
    "after",
    "\nThe schema is read from TIDEMARK_SCHEMA_FILE (default packages/db/src/schema.ts). On a terminal,\nan ambiguous rename is asked about; elsewhere pass --rename/--rename-table, or create fails\nrather than turn a rename into a drop and an add. A migration that drops a table or column is\nwritten only when confirmed on a terminal or with --allow-drop: deploy the code that no longer\nuses it first. Nothing is written unless validation passes. Renames and drops you confirmed\n(by flag or at the prompt) are recorded in the lint baseline (tidemark.lint-baseline.json),\nso lint and upgrade do not flag them again.",
  );
  cmd.action(async (...args: ActionArgs) => (await import("./create.run.js")).action(...args));
}
