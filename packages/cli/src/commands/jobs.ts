import { TidemarkError } from "@tidemark/migrate";
import type { Command } from "commander";
import { withExamples, withJson } from "../help.js";

/** `jobs [--failed]`: recent jobs of the migrations queue. */
export function registerJobs(program: Command): void {
  const cmd = program
    .command("jobs")
    .description("List recent jobs of the migrations queue (needs Redis)")
    .option("--failed", "only failed jobs, with their errors");
  withJson(cmd);
  withExamples(cmd, ["jobs", "jobs --failed"]);
  cmd.action(async () => {
    throw new TidemarkError("TM_INTERNAL", "`jobs` is not available in this build yet.");
  });
}
