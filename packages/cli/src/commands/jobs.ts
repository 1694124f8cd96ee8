import type { Command } from "commander";
import { positiveInt, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./jobs.run.js").action>;

/** `jobs [--failed]`: recent jobs of the migrations queue. */
export function registerJobs(program: Command): void {
  const cmd = program
    .command("jobs")
    .summary("recent jobs of the migrations queue")
    .description("List recent jobs of the migrations queue (needs Redis)")
    .option("--failed", "only failed jobs, with their errors")
    .option("-n, --limit <n>", "show at most n jobs", positiveInt, 20);
  withJson(cmd);
  withExamples(cmd, ["jobs", "jobs --failed", "jobs --json | jq '.[0].state'"]);
  cmd.action(async (...args: ActionArgs) => (await import("./jobs.run.js")).action(...args));
}
