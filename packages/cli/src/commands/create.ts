import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { acceptDirect, collect, withExamples, withJson } from "../help.js";

/** `create "msg"`: generate a migration from the schema diff. */
export function registerCreate(program: Command): void {
  const cmd = program
    .command("create")
    .description(
      "Generate the next migration (up and down SQL) from the schema, validated on a scratch database",
    )
    .argument("<message>", 'what the change does, e.g. "Add user avatar URL"')
    .option("--custom", "an empty SQL migration (with a down file) for hand-written data changes")
    .option("--ts", "a TypeScript migration exporting up(ctx) and down(ctx)")
    .option("--rename <table.column=new>", "treat a column change as a rename (repeatable)", collect, [])
    .option("--rename-table <old=new>", "treat a table change as a rename (repeatable)", collect, []);
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    'create "Add user avatar URL"',
    'create "Rename email" --rename users.email=email_address',
    'create "Rename categories" --rename-table categories=tags',
    'create --custom "Backfill avatar URLs"',
    'create --ts "Split full names"',
  ]);
  cmd.action(async () => {
    throw new TidemarkError(
      "TM_INTERNAL",
      "`create` is not available in this build yet. Nothing was written.",
    );
  });
}
