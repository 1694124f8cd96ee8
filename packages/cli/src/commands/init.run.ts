import { type InitResult, initProject, readMigrations } from "@tidemark/migrate";
import { confirmOrRefuse } from "../confirm.js";
import { type CliContext, createCliContext } from "../context.js";
import { color, plural, print, printJson, rev, success, warning } from "../output.js";
import { withSpinner } from "../prompts.js";

/** Options of `init`. */
interface InitFlags {
  yes?: boolean;
  json?: boolean;
}

/** One call to the engine, with the CLI's context. */
function init(cli: CliContext, stampExisting: boolean): Promise<InitResult> {
  return withSpinner("Writing the baseline migration and validating it…", () =>
    initProject({
      migrationsDir: cli.engine.migrationsDir,
      schemaFile: cli.schemaFile,
      databaseUrl: cli.engine.databaseUrl,
      scratchUrl: cli.config.scratchUrl,
      logger: cli.logger,
      stampExisting,
      environment: cli.engine.environment,
      actor: cli.engine.actor,
    }),
  );
}

/** An existing drizzle-kit history: say how many of its SQL migrations cannot be rolled back yet. */
async function printAdoptHint(migrationsDir: string): Promise<void> {
  const withoutDown = (await readMigrations(migrationsDir)).filter((m) => m.kind === "sql" && !m.downFile);
  if (withoutDown.length === 0) return;
  const verb = withoutDown.length === 1 ? "has" : "have";
  warning(
    `${plural(withoutDown.length, "migration")} ${verb} no down file; run ${color.bold("pnpm cli adopt")} to write them.`,
  );
}

/** Say what init did. */
async function printResult(result: InitResult, migrationsDir: string): Promise<void> {
  switch (result.status) {
    case "already-initialized":
      success(`Already initialized: ${migrationsDir} has migrations up to ${rev(result.revision)}.`);
      await printAdoptHint(migrationsDir);
      print(`For schema changes use: ${color.bold('pnpm cli create "Describe the change"')}`);
      return;
    case "initialized":
      success(`Created the baseline ${result.revision} and applied it.`);
      break;
    case "stamped":
      success(
        `Created the baseline ${result.revision} and stamped the existing database at it (nothing re-created).`,
      );
      break;
    case "needs-stamp":
      return;
  }
  for (const file of result.created?.files ?? []) print(`  ${color.dim(file)}`);
  print(`Next: change the schema, then ${color.bold('pnpm cli create "Describe the change"')}`);
}

/** New project: baseline + apply. Existing tables: ask, then stamp instead of re-creating them. */
async function runInit(cli: CliContext, flags: InitFlags): Promise<void> {
  let result = await init(cli, false);
  if (result.status === "needs-stamp") {
    if (!flags.json) {
      print(`The database already has the schema's tables: ${result.existingTables.join(", ")}.`);
      print("Tidemark can record the baseline as applied (stamp) instead of re-creating them.");
    }
    await confirmOrRefuse({
      question: "Write the baseline migration and stamp the database at it?",
      yes: Boolean(flags.yes),
    });
    result = await init(cli, true);
  }
  if (flags.json) printJson(result);
  else await printResult(result, cli.engine.migrationsDir);
}

/** The `init` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (flags: InitFlags) => runInit(createCliContext(), flags);
