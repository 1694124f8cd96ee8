import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./adopt.run.js").action>;

/** `adopt`: take over an existing drizzle-kit migrations folder. */
export function registerAdopt(program: Command): void {
  const cmd = program
    .command("adopt")
    .summary("adopt an existing drizzle-kit folder: report it and write proven down migrations")
    .description(
      "Report what an existing drizzle-kit migrations folder contains (journal gaps, stray files, missing snapshots, files that run outside a transaction, hand-written SQL the snapshots do not capture) and write a .down.sql for every migration that lacks one, each proven on a scratch database",
    )
    .option("--check", "write nothing; exit 1 when some migration still lacks a down file");
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["adopt --check", "adopt", "adopt --json"]);
  cmd.addHelpText(
    "after",
    `
Each down is proven on a scratch database created on the server of DATABASE_URL (the role
needs CREATEDB): with the earlier migrations applied, up then down must give back exactly the
same schema. A down that cannot be proven (data changes, a DO block, a missing snapshot, a
mismatch) is still written, with \`-- tidemark:unverified <reason>\` as its first line; rollback
refuses it unless --accept-unverified is given. Existing .sql, snapshot and journal files are
never modified, and a second run writes nothing.

Exit status: 0 done (or nothing to adopt); 1 on failure, or with --check when some migration
still lacks a down file.`,
  );
  cmd.action(async (...args: ActionArgs) => (await import("./adopt.run.js")).action(...args));
}
