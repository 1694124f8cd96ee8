import { createRequire } from "node:module";
import { Command } from "commander";
import pc from "picocolors";
import { registerAdopt } from "./commands/adopt.js";
import { registerBackup } from "./commands/backup.js";
import { registerBackups } from "./commands/backups.js";
import { registerCreate } from "./commands/create.js";
import { registerFleet } from "./commands/fleet.js";
import { registerHistory } from "./commands/history.js";
import { registerInit } from "./commands/init.js";
import { registerJobs } from "./commands/jobs.js";
import { registerLint } from "./commands/lint.js";
import { registerRestore } from "./commands/restore.js";
import { registerRollback } from "./commands/rollback.js";
import { registerStamp } from "./commands/stamp.js";
import { registerStatus } from "./commands/status.js";
import { registerUpgrade } from "./commands/upgrade.js";
import { registerVerify } from "./commands/verify.js";
import { ENV_HELP } from "./env-help.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

// Generated from the schema the CLI parses (scripts/env-help.mjs; a test keeps it current).
const ENVIRONMENT_HELP = `
Environment (REDIS_URL and TIDEMARK_QUEUE_PREFIX are not needed with --direct):
${ENV_HELP}
  The connection string is read from the environment only, never from a flag, so its
  password stays out of shell history and process listings.

Modes:
  upgrade, rollback, backup and restore enqueue a job for the worker
  (pnpm --dir apps/migrator start) and stream its progress; --direct runs them in this
  process instead. Every database command accepts --direct, so scripts can pass it uniformly.

Exit status: 0 ok, 1 failure, 2 usage error, 3 refused or aborted.`;

/** The `tidemark` command tree. Errors are thrown (exitOverride), never exit the process here. */
export function buildProgram(): Command {
  const program = new Command("tidemark")
    .description("Safe PostgreSQL migrations: plan, apply, roll back, back up and lint.")
    .version(version, "-v, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(pc.red(text)) })
    .showHelpAfterError(pc.dim("(add --help for usage)"))
    .addHelpText("after", ENVIRONMENT_HELP);
  // Order here is the order in `--help`: the everyday commands first.
  for (const register of [
    registerStatus,
    registerHistory,
    registerUpgrade,
    registerRollback,
    registerVerify,
    registerCreate,
    registerInit,
    registerAdopt,
    registerLint,
    registerBackup,
    registerBackups,
    registerRestore,
    registerStamp,
    registerJobs,
    registerFleet,
  ]) {
    register(program);
  }
  return program;
}

/**
 * The top-level `--help` as a pipe sees it (80 columns, no colour). bin.ts prints a precomputed
 * copy (src/top-help.ts, written by scripts/env-help.mjs) so `tidemark --help` need not load
 * commander and every command's registration; a test keeps the copy equal to this.
 */
export function topHelpText(): string {
  let text = "";
  const program = buildProgram().configureOutput({
    writeOut: (s) => {
      text += s;
    },
    getOutHelpWidth: () => 80,
    getOutHasColors: () => false,
  });
  program.outputHelp();
  return text;
}
