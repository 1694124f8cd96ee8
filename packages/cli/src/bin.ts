#!/usr/bin/env node
import path from "node:path";
import { isTidemarkError, redactUrls, type TidemarkError } from "@tidemark/migrate";
import { CommanderError } from "commander";
import pc from "picocolors";
import { buildProgram } from "./program.js";

/** Errors go to stderr, coloured only when stderr is a terminal. */
const red = process.stderr.isTTY ? pc.red : (s: string) => s;
const dim = process.stderr.isTTY ? pc.dim : (s: string) => s;

/** Write one line to stderr with every URL password masked. */
function err(line: string): void {
  process.stderr.write(`${redactUrls(line)}\n`);
}

/** A TidemarkError, even if it came from a second copy of the engine package. */
function asTidemarkError(e: unknown): TidemarkError | null {
  if (isTidemarkError(e)) return e;
  const maybe = e as Partial<TidemarkError> | null;
  return maybe?.name === "TidemarkError" &&
    typeof maybe.code === "string" &&
    typeof maybe.exitCode === "number"
    ? (maybe as TidemarkError)
    : null;
}

/** Print a thrown error the way its kind deserves and return the exit code. */
function report(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander already printed its message and the usage hint.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
    return 2;
  }
  const known = asTidemarkError(e);
  if (known) {
    err(red(`✖ ${known.message}`) + dim(` [${known.code}]`));
    const cause = known.cause instanceof Error ? known.cause.message : undefined;
    if (cause && !known.message.includes(cause)) err(dim(`  cause: ${cause}`));
    const backupFile = known.details.backupFile;
    // The engine usually names the restore point in the message already; never say it twice.
    if (typeof backupFile === "string" && !known.message.includes(backupFile)) {
      err(`  Restore point taken before the failure: ${backupFile}`);
      err(`  To go back to it: pnpm cli restore ${path.basename(backupFile)}`);
    }
    return known.exitCode;
  }
  // Anything else is a bug in tidemark: show everything, with passwords masked.
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  err(red("✖ Unexpected error (this is a bug in tidemark; please report it with the output below):"));
  err(detail);
  return 1;
}

/** Run the CLI and exit with its status once stdout and stderr are flushed. */
async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    await buildProgram().parseAsync(argv);
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    code = report(e);
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
