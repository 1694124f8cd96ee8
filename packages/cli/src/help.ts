import { type Command, InvalidArgumentError } from "commander";
import { commandName } from "./invocation.js";

/** Append an "Examples:" section to a command's help. */
export function withExamples(cmd: Command, examples: string[]): Command {
  const lines = examples.map((e) => (e.startsWith("#") ? `  ${e}` : `  $ ${commandName} ${e}`));
  return cmd.addHelpText("after", `\nExamples:\n${lines.join("\n")}`);
}

/** `--direct` on a command that can enqueue: run in this process instead of through the worker; `--timeout` for the wait. */
export function withDirect(cmd: Command): Command {
  return cmd
    .option("--direct", "run in this process instead of enqueuing a job for the worker (no Redis)")
    .option(
      "--timeout <duration>",
      "give up waiting for the worker's job after this long, e.g. 90s, 30m, 2h (exit 1; the job keeps running). Default: TIDEMARK_JOB_TIMEOUT_MS, else no limit",
      duration,
    );
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse `500ms`, `90s`, `30m` or `2h` (or `0`, no limit) into milliseconds, rejecting anything else. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (value.trim() === "0") return 0;
  if (!match) throw new InvalidArgumentError(`expected a duration such as 90s, 30m or 2h, got "${value}".`);
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
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
