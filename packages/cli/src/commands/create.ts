import path from "node:path";
import {
  type CreateResult,
  createMigration,
  lintMigrations,
  type RenameOptions,
  readMigrations,
  TidemarkError,
} from "@tidemark/migrate";
import type { Command } from "commander";
import { type CliContext, createCliContext } from "../context.js";
import { countFindings, printFindings } from "../findings.js";
import { acceptDirect, collect, withExamples, withJson } from "../help.js";
import { color, heading, print, printJson, success, warning } from "../output.js";
import { renamePrompt, withSpinner } from "../prompts.js";

/** Options of `create`. */
interface CreateFlags {
  custom?: boolean;
  ts?: boolean;
  rename: string[];
  renameTable: string[];
  json?: boolean;
}

/** Split `left=right`, or fail as a usage error naming the flag and the expected shape. */
function pair(spec: string, flag: string, shape: string): [string, string] {
  const eq = spec.indexOf("=");
  const left = spec.slice(0, eq).trim();
  const right = spec.slice(eq + 1).trim();
  if (eq < 0 || !left || !right) {
    throw new TidemarkError("TM_USAGE", `${flag} expects ${shape}, got "${spec}".`);
  }
  return [left, right];
}

/** `--rename users.email=email_address` and `--rename-table old=new` as the engine's rename options. */
export function parseRenames(columns: string[], tables: string[]): RenameOptions {
  const out: Required<RenameOptions> = { columns: {}, tables: {} };
  for (const spec of columns) {
    const [from, to] = pair(spec, "--rename", "table.column=new_name (e.g. users.email=email_address)");
    if (!from.includes(".")) {
      throw new TidemarkError(
        "TM_USAGE",
        `--rename needs the table too: "${from}" should be like users.${from}.`,
      );
    }
    out.columns[from] = to;
  }
  for (const spec of tables) {
    const [from, to] = pair(spec, "--rename-table", "old_name=new_name (e.g. categories=tags)");
    out.tables[from] = to;
  }
  return out;
}

/** A path relative to the working directory, when that is shorter. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/** Print what create wrote and the SQL to review. */
function printCreated(result: CreateResult): void {
  success(`Created ${result.revision}${result.validated ? ", validated on a scratch database" : ""}.`);
  for (const file of result.files) print(`  ${color.dim(shown(file))}`);
  if (result.upSql.length > 0) {
    print();
    heading("Up");
    for (const stmt of result.upSql) print(`  ${stmt}`);
    heading("Down");
    for (const stmt of result.downSql) print(`  ${stmt}`);
  }
  for (const d of result.destructive) warning(`Destructive: ${d.statement} (${d.reason})`);
  if (!result.validated) print(color.dim("Template written: fill in the up and down steps, then lint it."));
}

/** Lint the new migration in the context of the whole history; advice only. */
async function lintNew(cli: CliContext, revision: string): Promise<void> {
  try {
    const report = await lintMigrations(await readMigrations(cli.engine.migrationsDir), {
      revisions: [revision],
    });
    if (report.findings.length === 0 && report.suppressed.length === 0) return;
    print();
    printFindings(report);
    print(`${report.errors > 0 ? color.red("✖") : color.yellow("⚠")} Lint: ${countFindings(report)}.`);
  } catch (err) {
    cli.logger.warn({ err }, "lint of the new migration failed");
  }
}

/** Generate (or template) the migration and report it. */
async function runCreate(cli: CliContext, message: string, flags: CreateFlags): Promise<void> {
  const renames = parseRenames(flags.rename, flags.renameTable);
  const ask = renamePrompt();
  const result = await withSpinner("Generating and validating on a scratch database…", (pause) =>
    createMigration({
      migrationsDir: cli.engine.migrationsDir,
      schemaFile: cli.schemaFile,
      message,
      custom: flags.custom,
      ts: flags.ts,
      renames,
      resolveRename: ask
        ? (q) => {
            pause();
            return ask(q);
          }
        : undefined,
      databaseUrl: cli.engine.databaseUrl,
      scratchUrl: cli.config.scratchUrl,
      logger: cli.logger,
    }),
  );
  if (flags.json) {
    printJson(result);
    return;
  }
  if (result.status === "no-changes") {
    success(`No schema changes in ${shown(cli.schemaFile)} since the last migration; nothing was written.`);
    return;
  }
  printCreated(result);
  if (result.revision) await lintNew(cli, result.revision);
  print();
  print(`Review the files, then apply with: ${color.bold("pnpm cli upgrade")}`);
}

/** `create "msg"`: generate a migration from the schema diff. */
export function registerCreate(program: Command): void {
  const cmd = program
    .command("create")
    .summary("generate the next migration from the schema")
    .description(
      "Generate the next migration (up and down SQL) from the schema, validated on a scratch database",
    )
    .argument("<message>", 'what the change does, e.g. "Add user avatar URL"')
    .option("--custom", "an empty SQL migration (with a down file) for hand-written data changes")
    .option("--ts", "a TypeScript migration exporting up(ctx) and down(ctx)")
    .option("--rename <table.column=new>", "treat a column change as a rename (repeatable)", collect, [])
    .option("--rename-table <old=new>", "treat a table change as a rename (repeatable)", collect, []);
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    'create "Add user avatar URL"',
    'create "Rename email" --rename users.email=email_address',
    'create "Rename categories" --rename-table categories=tags',
    'create --custom "Backfill avatar URLs"',
    'create --ts "Split full names"',
  ]);
  cmd.addHelpText(
    "after",
    "\nThe schema is read from TIDEMARK_SCHEMA_FILE (default packages/db/src/schema.ts). On a terminal,\nan ambiguous rename is asked about; elsewhere pass --rename/--rename-table, or create fails\nrather than turn a rename into a drop and an add. Nothing is written unless validation passes.",
  );
  cmd.action(async (message: string, flags: CreateFlags) => runCreate(createCliContext(), message, flags));
}
