import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./lint.run.js").action>;

/** `lint [revision...]`: find risky statements in migrations; exits 1 on errors that are new. */
export function registerLint(program: Command): void {
  const cmd = program
    .command("lint")
    .summary("find risky statements in migrations")
    .description(
      "Check migrations for risky statements with PostgreSQL's own parser; findings accepted in the lint baseline are left out unless --all",
    )
    .argument("[revision...]", "revisions to check (tag or NNNN prefix); default: all")
    .option("--since <revision>", "check only the migrations after this revision")
    .option("--all", "check every migration and show findings accepted in the lint baseline too")
    .option(
      "--accept",
      "record the findings reported as accepted in the lint baseline (after reviewing them)",
    );
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    "lint",
    "lint 0003 0004",
    "lint --since 0270",
    "lint --all --json",
    "# accept a reviewed drop that has already run in production:",
    "lint 0042 --accept",
    "# silence one finding on purpose, on the line before the statement:",
    "#   -- tidemark:allow drop-column",
  ]);
  cmd.addHelpText(
    "after",
    "\nThe lint baseline (tidemark.lint-baseline.json in the migrations folder, written by adopt and\nby create for a rename or drop you confirmed) accepts findings per migration file checksum:\nan edited file is checked again. Exit status: 1 when there are errors that are not accepted;\nwarnings alone exit 0.",
  );
  cmd.action(async (...args: ActionArgs) => (await import("./lint.run.js")).action(...args));
}
