import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./status.run.js").action>;

/** `status`: where the database stands. */
export function registerStatus(program: Command): void {
  const cmd = program
    .command("status")
    .summary("where the database stands")
    .description(
      "Show the current and latest revision, pending migrations, drift, the lock holder and tables",
    );
  cmd.option(
    "--check",
    "exit 1 on pending migrations, schema drift, a changed or missing applied file, a late merge, an invalid index or a current failure (for CI gates)",
  );
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    "status",
    "status --json | jq .pending",
    "# in CI, fail the job unless the database is exactly as the migrations left it:",
    "status --check",
  ]);
  cmd.addHelpText(
    "after",
    "\nExit status: 0, or with --check 1 when any problem is found (also with --json).",
  );
  cmd.action(async (...args: ActionArgs) => (await import("./status.run.js")).action(...args));
}
