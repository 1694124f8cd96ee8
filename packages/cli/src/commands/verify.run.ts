import { verify } from "@tidemark/migrate";
import { createCliContext } from "../context.js";
import { color, print, printJson, rev, success } from "../output.js";

/** The `verify` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (opts: { json?: boolean }) => {
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
};
