import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./stamp.run.js").action>;

/** `stamp <rev>`: record migrations as applied without running them (baseline an existing database). */
export function registerStamp(program: Command): void {
  const cmd = program
    .command("stamp")
    .summary("mark migrations applied without running them")
    .description(
      "Mark every migration up to <revision> as applied and forget later ones, without running any SQL",
    )
    .argument("<revision>", "revision id (full tag or its NNNN prefix), or base")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)");
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    "# an existing database already has the tables of 0002; record that instead of re-creating them:",
    "stamp 0002 --yes",
  ]);
  cmd.addHelpText(
    "after",
    "\nStamp shows what it will mark and forget and which tables the database lacks, then asks\n(off a terminal it refuses with exit 3 unless --yes). Forgetting migrations leaves the schema\nas it is: status then reports the mismatch until a run records the schema again.",
  );
  cmd.action(async (...args: ActionArgs) => (await import("./stamp.run.js")).action(...args));
}
