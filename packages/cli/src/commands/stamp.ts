import { findRevision, readMigrations, stamp } from "@tidemark/migrate";
import type { Command } from "commander";
import { confirmOrRefuse } from "../confirm.js";
import { createCliContext } from "../context.js";
import { acceptDirect, withExamples, withJson } from "../help.js";
import { print, printJson, success, warning } from "../output.js";

/** `stamp <rev>`: record migrations as applied without running them (baseline an existing database). */
export function registerStamp(program: Command): void {
  const cmd = program
    .command("stamp")
    .summary("mark migrations applied without running them")
    .description("Mark every migration up to <revision> as applied without running it")
    .argument("<revision>", "revision id (full tag or its NNNN prefix)")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)");
  withJson(acceptDirect(cmd));
  withExamples(cmd, [
    "# an existing database already has the tables of 0002; record that instead of re-creating them:",
    "stamp 0002 --yes",
  ]);
  cmd.action(async (revision: string, opts: { yes?: boolean; json?: boolean }) => {
    const cli = createCliContext();
    // Resolve first, so a typo fails before anyone is asked anything.
    const target = findRevision(await readMigrations(cli.engine.migrationsDir), revision);
    if (!opts.json) {
      warning(
        `Stamping records migrations up to ${target.tag} as applied WITHOUT running them. Only do this when the database already has their changes.`,
      );
    }
    await confirmOrRefuse({ question: `Stamp the database at ${target.tag}?`, yes: Boolean(opts.yes) });
    const result = await stamp(cli.engine, target.tag);
    if (opts.json) {
      printJson(result);
      return;
    }
    success(`Stamped at ${result.revision}.`);
    for (const r of result.stamped) print(`    ${r}`);
  });
}
