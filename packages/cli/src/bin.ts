#!/usr/bin/env node
import { reportError, wantsJson } from "./output.js";
import { buildProgram } from "./program.js";

/** Run the CLI and exit with its status once stdout and stderr are flushed. */
async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    await buildProgram().parseAsync(argv);
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    code = reportError(e, wantsJson(argv.slice(2)));
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
