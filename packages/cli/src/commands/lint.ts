import { lintMigrations, readMigrations } from "@tidemark/migrate";
import type { Command } from "commander";
import { createCliContext } from "../context.js";
import { countFindings, printFindings } from "../findings.js";
import { acceptDirect, withExamples, withJson } from "../help.js";
import { color, plural, print, printJson, success } from "../output.js";

/** `lint [revision...]`: find risky statements in migrations; exits 1 on errors. */
export function registerLint(program: Command): void {
  const cmd = program
    .command("lint")
    .summary("find risky statements in migrations")
    .description("Check migrations for risky statements with PostgreSQL's own parser")
    .argument("[revision...]", "revisions to check (tag or NNNN prefix); default: all");
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    "lint",
    "lint 0003 0004",
    "lint --json",
    "# silence one finding on purpose, on the line before the statement:",
    "#   -- tidemark:allow drop-column",
  ]);
  cmd.addHelpText("after", "\nExit status: 1 when there are errors; warnings alone exit 0.");
  cmd.action(async (revisions: string[], opts: { json?: boolean }) => {
    const cli = createCliContext();
    const migrations = await readMigrations(cli.engine.migrationsDir);
    const report = await lintMigrations(migrations, { revisions });
    if (report.errors > 0) process.exitCode = 1;
    if (opts.json) {
      printJson(report);
      return;
    }
    printFindings(report);
    const checked = revisions.length > 0 ? revisions.length : migrations.length;
    if (report.findings.length === 0) success(`No findings in ${plural(checked, "migration")}.`);
    else {
      const mark = report.errors > 0 ? color.red("✖") : color.yellow("⚠");
      print(`${mark} ${countFindings(report)} in ${plural(checked, "migration")}.`);
    }
  });
}
