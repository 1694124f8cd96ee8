import { type Command, InvalidArgumentError } from "commander";
import { commandName } from "./output.js";

/** Append an "Examples:" section to a command's help. */
export function withExamples(cmd: Command, examples: string[]): Command {
  const lines = examples.map((e) => (e.startsWith("#") ? `  ${e}` : `  $ ${commandName} ${e}`));
  return cmd.addHelpText("after", `\nExamples:\n${lines.join("\n")}`);
}

/** `--direct` on a command that can enqueue: run in this process instead of through the worker. */
export function withDirect(cmd: Command): Command {
  return cmd.option("--direct", "run in this process instead of enqueuing a job for the worker (no Redis)");
}

/** `--direct` on a command that always runs in-process, accepted so scripts can pass it uniformly. */
export function acceptDirect(cmd: Command): Command {
  return cmd.option("--direct", "accepted for uniformity; this command always runs in this process");
}

/** `--json`: print exactly one JSON document on stdout instead of text. */
export function withJson(cmd: Command): Command {
  return cmd.option("--json", "print one JSON document on stdout instead of text");
}

/** Parse a positive integer option, rejecting anything else as a usage error. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}".`);
  return n;
}

/** Collect a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
