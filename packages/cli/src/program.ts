import { createRequire } from "node:module";
import { Command } from "commander";
import { registerAdopt } from "./commands/adopt.js";
import { registerBackup } from "./commands/backup.js";
import { registerBackups } from "./commands/backups.js";
import { registerCreate } from "./commands/create.js";
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
import { color } from "./output.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

const ENVIRONMENT_HELP = `
Environment:
  DATABASE_URL             database to migrate (default postgres://postgres@127.0.0.1:5432/tidemark)
  REDIS_URL                job queue (default redis://127.0.0.1:6379); not needed with --direct
  TIDEMARK_QUEUE_PREFIX    BullMQ prefix (default tidemark)
  BACKUP_DIR               restore points and backups (default ./backups)
  TIDEMARK_MIGRATIONS_DIR  migrations folder (default: the one in packages/db)
  TIDEMARK_ENV             environment recorded in history and used by env directives
  TIDEMARK_NO_WORKER_MS    how long a queued or running job may go without any worker connected
                           before the CLI says so (off a terminal: exit 1) (default 5000)
  TIDEMARK_JOB_TIMEOUT_MS  hard limit on waiting for a job, like --timeout (default 0: no limit;
                           a long migration is never cut off, a vanished worker is noticed)
  LOG_LEVEL                engine log level on stderr (default warn)
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
    .configureOutput({ outputError: (text, write) => write(color.red(text)) })
    .showHelpAfterError(color.dim("(add --help for usage)"))
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
  ]) {
    register(program);
  }
  return program;
}
