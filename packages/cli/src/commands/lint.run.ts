import path from "node:path";
import {
  acceptFindings,
  BASELINE_FILE,
  findRevision,
  lintMigrations,
  type Migration,
  readJournalFile,
  readMigrations,
  TidemarkError,
  unjournaledFiles,
} from "@tidemark/migrate";
import { createCliContext } from "../context.js";
import { countFindings, printFindings, withBaseline } from "../findings.js";
import { color, plural, print, printJson, success, warning } from "../output.js";

/** Options of `lint`. */
interface LintFlags {
  all?: boolean;
  accept?: boolean;
  since?: string;
  json?: boolean;
}

/** The revisions to check: the ones named, those after `--since`, or every one (undefined). */
function selected(migrations: Migration[], revisions: string[], flags: LintFlags): string[] | undefined {
  if (flags.since && revisions.length > 0) {
    throw new TidemarkError("TM_USAGE", "Name revisions or pass --since, not both.");
  }
  if (flags.since && flags.all) {
    throw new TidemarkError(
      "TM_USAGE",
      "--all checks every migration; --since only those after a revision. Choose one.",
    );
  }
  if (!flags.since) return revisions.length > 0 ? revisions : undefined;
  const from = findRevision(migrations, flags.since);
  return migrations.filter((m) => m.idx > from.idx).map((m) => m.tag);
}

async function warnStrayFiles(dir: string): Promise<void> {
  for (const file of unjournaledFiles(dir, await readJournalFile(dir))) {
    const shown = path.relative(process.cwd(), file);
    warning(
      `${shown.startsWith("..") ? file : shown} is not in meta/_journal.json: neither drizzle nor Tidemark applies it.`,
    );
  }
}

/** The `lint` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (revisions: string[], flags: LintFlags) => {
  const cli = createCliContext();
  const dir = cli.engine.migrationsDir;
  const migrations = await readMigrations(dir);
  const wanted = selected(migrations, revisions, flags);
  const checked = wanted?.length ?? migrations.length;
  if (wanted?.length === 0) {
    if (flags.json) printJson({ findings: [], suppressed: [], baselined: [], errors: 0, warnings: 0 });
    else success(`No migrations after ${flags.since}: nothing to check.`);
    return;
  }
  const linted = await lintMigrations(migrations, { revisions: wanted });
  const report = flags.all ? linted : await withBaseline(linted, dir, migrations);
  if (flags.accept) {
    const entries = await acceptFindings(dir, report.findings);
    if (flags.json) printJson({ accepted: entries });
    else
      success(
        `Accepted ${plural(report.findings.length, "finding")} of ${plural(entries.length, "migration")} in ${BASELINE_FILE}.`,
      );
    return;
  }
  if (report.errors > 0) process.exitCode = 1;
  if (flags.json) {
    printJson(report);
    return;
  }
  await warnStrayFiles(dir);
  printFindings(report);
  if (report.findings.length === 0) success(`No findings in ${plural(checked, "migration")}.`);
  else {
    const mark = report.errors > 0 ? color.red("✖") : color.yellow("⚠");
    print(`${mark} ${countFindings(report)} in ${plural(checked, "migration")}.`);
  }
};
