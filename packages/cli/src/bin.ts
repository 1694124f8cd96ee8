#!/usr/bin/env node
import { readFileSync } from "node:fs";

/** Commander ends `--help` and `--version` by throwing (exitOverride); they are successes. */
function helpOrVersion(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "commander.helpDisplayed" || code === "commander.version";
}

/** Run the CLI and exit with its status once stdout and stderr are flushed. */
async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    // `--version` alone is answered before the command tree is even loaded: scripts call it often.
    if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-v")) {
      const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
      process.stdout.write(`${pkg.version}\n`);
      code = 0;
    } else if (argv.length === 3 && (argv[2] === "--help" || argv[2] === "-h")) {
      // Precomputed from the command tree (scripts/env-help.mjs; a test keeps it current).
      const { TOP_HELP } = await import("./top-help.js");
      process.stdout.write(TOP_HELP);
      code = 0;
    } else {
      const status =
        argv[2] === "status" ? (await import("./status-flags.js")).statusOptions(argv.slice(3)) : null;
      if (status) await (await import("./commands/status.run.js")).action(status);
      else {
        const { buildProgram } = await import("./program.js");
        await buildProgram().parseAsync(argv);
      }
      code = typeof process.exitCode === "number" ? process.exitCode : 0;
    }
  } catch (e) {
    if (helpOrVersion(e)) code = 0;
    else {
      // Loaded only on failure: error reporting needs the engine's error types and redaction.
      const { reportError, wantsJson } = await import("./output.js");
      code = reportError(e, wantsJson(argv.slice(2)));
    }
  }
  // Exit explicitly: a stray handle (a prompt's stdin, a pool's timer) must not keep the CLI alive.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
  process.exit(code);
}

// `tidemark history | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  throw e;
});

await main(process.argv);
