import { verify } from "@tidemark/migrate";
import type { Command } from "commander";
import { createCliContext } from "../context.js";
import { acceptDirect, withExamples, withJson } from "../help.js";
import { color, print, printJson, rev, success } from "../output.js";

/** `verify`: applied migrations still match the files; exits 1 when they do not. */
export function registerVerify(program: Command): void {
  const cmd = program
    .command("verify")
    .summary("check applied migrations against the files")
    .description(
      "Check applied migrations against the files on disk (checksums, late merges, invalid indexes); changes nothing",
    );
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["verify", "# in CI, fail the build on drift:", "verify --json > verify.json"]);
  cmd.addHelpText("after", "\nExit status: 0 when everything matches, 1 when there are problems.");
  cmd.action(async (opts: { json?: boolean }) => {
    const report = await verify(createCliContext().engine);
    if (!report.ok) process.exitCode = 1;
    if (opts.json) {
      printJson(report);
      return;
    }
    if (report.ok) {
      success(`Verified: applied migrations match the files on disk (at ${rev(report.current)}).`);
      return;
    }
    print(`${color.red("✖")} Verification failed at ${rev(report.current)}:`);
    for (const problem of report.problems) print(`  - ${problem}`);
  });
}
