import path from "node:path";
import { confirm, isCancel } from "@clack/prompts";
import {
  type CreateResult,
  createMigration,
  describeDrops,
  lintMigrations,
  type PlannedDrop,
  type RenameOptions,
  readMigrations,
  TidemarkError,
  UNVERIFIED_MARKER,
  type UnverifiedDown,
} from "@tidemark/migrate";
import { interactive } from "../confirm.js";
import { type CliContext, createCliContext } from "../context.js";
import { countFindings, printFindings, withBaseline } from "../findings.js";
import { color, heading, print, printJson, success, warning } from "../output.js";
import { renamePrompt, withSpinner } from "../prompts.js";

/** Options of `create`. */
interface CreateFlags {
  custom?: boolean;
  ts?: boolean;
  rename: string[];
  renameTable: string[];
  allowDrop?: boolean;
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
  const proven = result.validated
    ? ", validated on a scratch database"
    : result.unverifiedDown
      ? "; its up is validated on a scratch database, its down is not"
      : "";
  success(`Created ${result.revision}${proven}.`);
  for (const file of result.files) print(`  ${color.dim(shown(file))}`);
  if (result.upSql.length > 0) {
    print();
    heading("Up");
    for (const stmt of result.upSql) print(`  ${stmt}`);
    heading("Down");
    for (const stmt of result.downSql) print(`  ${stmt}`);
  }
  for (const d of result.destructive) warning(`Destructive: ${d.statement} (${d.reason})`);
  if (result.baselined) {
    print(
      color.dim(
        `You confirmed ${result.baselined.join(", ")}: recorded as accepted in the lint baseline for this file.`,
      ),
    );
  }
  const guard = result.files.find((f) => f.endsWith(`${result.revision}.sql`));
  if (guard && result.files.some((f) => f.endsWith(`${result.revision}.ts`))) {
    print(
      color.dim(
        `${path.basename(guard)} only stops drizzle-kit migrate and drizzle-orm's migrate() with a message (they cannot run TypeScript); Tidemark runs the .ts. Keep both.`,
      ),
    );
  }
  if (result.unverifiedDown) printUnverified(result.unverifiedDown);
  else if (!result.validated)
    print(color.dim("Template written: fill in the up and down steps, then lint it."));
}

/** What to edit in a down that failed on the scratch database, and how to accept it. */
function printUnverified(u: UnverifiedDown): void {
  const where = u.statement ? `Statement ${u.statement} (line ${u.line})` : "It";
  warning(
    `The generated down failed on a scratch database after the up. ${where} of ${shown(u.file)}: ${u.error}`,
  );
  print(
    `Edit ${shown(u.file)}: fix ${u.statement ? `statement ${u.statement}` : "the down"} so it undoes the up, then delete its first line (${UNVERIFIED_MARKER} …).`,
  );
  print(
    color.dim("Until that line is gone, rollback refuses this down unless --accept-unverified is given."),
  );
}

/** Lint the new migration in the context of the whole history, minus what the author confirmed; advice only. */
async function lintNew(cli: CliContext, revision: string): Promise<void> {
  try {
    const dir = cli.engine.migrationsDir;
    const migrations = await readMigrations(dir);
    const report = await withBaseline(
      await lintMigrations(migrations, { revisions: [revision] }),
      dir,
      migrations,
    );
    if (report.findings.length === 0 && report.suppressed.length === 0) return;
    print();
    printFindings(report);
    print(`${report.errors > 0 ? color.red("✖") : color.yellow("⚠")} Lint: ${countFindings(report)}.`);
  } catch (err) {
    cli.logger.warn({ err }, "lint of the new migration failed");
  }
}

/**
 * On a terminal, say which drops the migration writes and that the running code may still read
 * them, then ask (default No). Off a terminal the engine refuses unless --allow-drop.
 */
async function confirmDrops(drops: PlannedDrop[]): Promise<void> {
  for (const d of drops) {
    warning(
      `This migration drops ${d.kind} ${d.name} and its data; code that is running now may still read it.`,
    );
  }
  print(
    color.dim(
      "Safe order: remove it from the schema and the code and deploy that without creating a migration; then create the drop.",
    ),
  );
  const answer = await confirm({ message: `Write ${describeDrops(drops)}?`, initialValue: false });
  if (isCancel(answer) || !answer) {
    throw new TidemarkError(
      "TM_ABORTED",
      "Not confirmed. Nothing was written; deploy the code without it first, or re-run create and confirm.",
    );
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
      allowDrop: flags.allowDrop,
      confirmDrops: interactive
        ? (drops) => {
            pause();
            return confirmDrops(drops);
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
  for (const w of result.warnings ?? []) warning(w);
  if (result.status === "no-changes") {
    success(`No schema changes in ${shown(cli.schemaFile)} since the last migration; nothing was written.`);
    return;
  }
  printCreated(result);
  if (result.revision) await lintNew(cli, result.revision);
  print();
  print(`Review the files, then apply with: ${color.bold("pnpm cli upgrade")}`);
}

/** The `create` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (message: string, flags: CreateFlags) =>
  runCreate(createCliContext(), message, flags);
