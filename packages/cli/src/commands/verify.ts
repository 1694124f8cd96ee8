import type { Command } from "commander";
import { acceptDirect, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./verify.run.js").action>;

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
  cmd.action(async (...args: ActionArgs) => (await import("./verify.run.js")).action(...args));
}
