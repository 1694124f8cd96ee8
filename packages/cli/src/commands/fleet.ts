import { type Command, InvalidArgumentError } from "commander";
import { duration, positiveInt, withExamples, withJson } from "../help.js";

type StatusArgs = Parameters<typeof import("./fleet-status.run.js").action>;
type StartArgs = Parameters<typeof import("./fleet-start.run.js").action>;
type JobsArgs = Parameters<typeof import("./fleet-jobs.run.js").jobsAction>;

/** Parse a non-negative integer option (`--max-failures 0` is the default and valid). */
function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected 0 or a positive integer, got "${value}".`);
  return n;
}

/** Parse `a,b,c` into target names. */
function names(value: string): string[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError("expected target names separated by commas.");
  return list;
}

/** The options every run-starting subcommand shares: the plan and how to wait. */
function withPlan(cmd: Command): Command {
  return withJson(
    cmd
      .option(
        "--canary <names>",
        "targets to run first, comma-separated; any canary failing halts the run",
        names,
      )
      .option("--canary-count <n>", "run the first n targets of the list first, as canaries", positiveInt)
      .option(
        "--wave-size <k>",
        "after the canaries, run the other targets k at a time (default: all in one wave)",
        positiveInt,
      )
      .option(
        "--max-failures <f>",
        "failed targets tolerated before the run halts ahead of its next wave",
        count,
        0,
      )
      .option("--dry-run", "print the waves and each target's pending migrations; start nothing")
      .option("--detach", "start the run, print its id and exit without waiting")
      .option(
        "--timeout <duration>",
        "stop waiting after this long (exit 1; the run goes on), e.g. 30m",
        duration,
      ),
  );
}

function registerStart(fleet: Command): void {
  const run = async (...args: StartArgs) => (await import("./fleet-start.run.js")).action(...args);
  const upgrade = withPlan(
    fleet
      .command("upgrade")
      .description("Apply pending migrations to every target: canaries first, then waves")
      .option("--to <revision>", "stop at this revision (inclusive) instead of the newest"),
  );
  upgrade.action((opts, cmd: Command) => run("upgrade", opts, cmd));
  const rollback = withPlan(
    fleet
      .command("rollback")
      .description("Roll every target back to <to>: prev (one step each), base, or a revision")
      .argument("<to>", "prev, base, or the revision to end at")
      .option("--no-backup", "skip the restore point each target takes first")
      .option("--accept-unverified", "run downs marked unverified by adopt")
      .option("-y, --yes", "do not ask for confirmation"),
  );
  rollback.action((to: string, opts, cmd: Command) => run("rollback", { ...opts, to }, cmd));
  const backup = withPlan(
    fleet
      .command("backup")
      .description("Dump every target into BACKUP_DIR/<target>/")
      .option(
        "--label <label>",
        "a note recorded with each dump and shown by `backups` (letters, digits, '.', '_', '-'; at most 64)",
      ),
  );
  backup.action((opts, cmd: Command) => run("backup", opts, cmd));
}

function registerWatch(fleet: Command): void {
  const jobs = withJson(
    fleet
      .command("jobs")
      .description("Recent fleet runs, or one run target by target")
      .argument("[id]", "a run's id: show its targets")
      .option("--follow", "with an id: keep printing progress until the run ends")
      .option("-n, --limit <n>", "show at most n runs", positiveInt, 10),
  );
  jobs.action(async (...args: JobsArgs) => (await import("./fleet-jobs.run.js")).jobsAction(...args));
  for (const [name, description] of [
    [
      "resume",
      "Run a halted, cancelled or incomplete run's failed and skipped targets again, then its remaining waves",
    ],
    ["cancel", "Start no more targets of a running run; targets already running finish"],
  ] as const) {
    const cmd = withJson(fleet.command(name).description(description).argument("<id>", "the run's id"));
    if (name === "resume") cmd.option("--detach", "resume and exit without waiting");
    cmd.action(async (id: string, opts: { json?: boolean; detach?: boolean }) =>
      (await import("./fleet-jobs.run.js")).controlAction(name, id, opts),
    );
  }
}

/** `fleet …`: migrate many databases (TIDEMARK_TARGETS / TIDEMARK_TARGETS_QUERY) through the queue. */
export function registerFleet(program: Command): void {
  const fleet = program
    .command("fleet")
    .summary("migrate every database of a fleet in canary waves")
    .description(
      "Migrate many databases with the same schema (one per tenant, per region…) through the queue.\nTargets come from TIDEMARK_TARGETS (a JSON or YAML file) and/or TIDEMARK_TARGETS_QUERY (rows of name, url).",
    );
  const status = withJson(
    fleet
      .command("status")
      .description("Every target's revision, pending count, drift, lock holder and last failure (no Redis)")
      .option("--concurrency <n>", "targets read at once", positiveInt, 8),
  );
  status.action(async (...args: StatusArgs) => (await import("./fleet-status.run.js")).action(...args));
  registerStart(fleet);
  registerWatch(fleet);
  withExamples(fleet, [
    "fleet status",
    "fleet upgrade --canary-count 2 --wave-size 20 --max-failures 1",
    "fleet upgrade --dry-run",
    "fleet jobs <id> --follow",
    "fleet resume <id>",
  ]);
  fleet.addHelpText(
    "after",
    "\nA target's entry is a name and a URL without password; the worker reads the password from\nthe variable its `passwordEnv` names, or from ~/.pgpass. See docs/fleet.md.",
  );
}
