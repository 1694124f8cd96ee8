import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

/** `lint [revision...]`: find risky statements in migrations. */
export function registerLint(program: Command): void {
  const cmd = program
    .command("lint")
    .description("Check migrations for risky statements with PostgreSQL's own parser")
    .argument("[revision...]", "revisions to check (tag or NNNN prefix); default: all");
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["lint", "lint 0003 0004", "lint --json"]);
  cmd.action(async () => {
    throw new TidemarkError("TM_INTERNAL", "`lint` is not available in this build yet.");
  });
}
