import type { Command } from "commander";
import { acceptDirect, positiveInt, withExamples, withJson } from "../help.js";

type ActionArgs = Parameters<typeof import("./history.run.js").action>;

/** `history`: what ran, newest first. */
export function registerHistory(program: Command): void {
  const cmd = program
    .command("history")
    .summary("what ran, newest first")
    .description("List applied and rolled-back migrations from tidemark.history, newest first")
    .option("-n, --limit <n>", "show at most n rows", positiveInt, 50);
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["history", "history --limit 5", "history --json"]);
  cmd.action(async (...args: ActionArgs) => (await import("./history.run.js")).action(...args));
}
