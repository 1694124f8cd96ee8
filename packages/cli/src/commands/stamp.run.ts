import { findRevision, previewStamp, readMigrations, type StampPreview, stamp } from "@tidemark/migrate";
import { confirmOrRefuse } from "../confirm.js";
import { createCliContext } from "../context.js";
import { color, plural, print, printJson, rev, success, warning } from "../output.js";

/** Say what the stamp will mark and forget, and what the database lacks for it, before anyone is asked. */
function printStampPreview(p: StampPreview): void {
  print(`Stamp ${rev(p.from)} → ${rev(p.to)}. No SQL of any migration runs: the schema is not changed.`);
  if (p.mark.length) {
    print(`Will record as applied (${plural(p.mark.length, "migration")}), without running them:`);
    for (const tag of p.mark) print(`    + ${tag}`);
  }
  if (p.unmark.length) {
    warning(
      `Will forget ${plural(p.unmark.length, "applied migration")}; what they created or dropped stays in the database, and upgrade will run them again:`,
    );
    for (const tag of p.unmark) print(`    - ${tag}`);
  }
  if (!p.mark.length && !p.unmark.length) {
    print("No migration changes state; the live schema is recorded as the one the migrations built.");
  }
  if (p.missingTables === null) {
    print(color.dim("  (no drizzle-kit snapshot for this revision, so its tables cannot be checked)"));
    return;
  }
  if (p.missingTables.length) {
    warning(
      `The database lacks ${plural(p.missingTables.length, "table")} that the migrations up to ${rev(p.to)} create: ${p.missingTables.join(", ")}. Stamping will not create them.`,
    );
  }
  if (p.extraTables?.length) {
    warning(
      `The database has ${plural(p.extraTables.length, "table")} that the migrations up to ${rev(p.to)} do not create: ${p.extraTables.join(", ")}. Status will report the mismatch.`,
    );
  }
}

/** The `stamp` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (revision: string, opts: { yes?: boolean; json?: boolean }) => {
  const cli = createCliContext();
  // Resolve first, so a typo fails before anyone is asked anything.
  const target =
    revision === "base" ? "base" : findRevision(await readMigrations(cli.engine.migrationsDir), revision).tag;
  const preview = await previewStamp(cli.engine, target);
  if (!opts.json) printStampPreview(preview);
  await confirmOrRefuse({ question: `Stamp the database at ${rev(preview.to)}?`, yes: Boolean(opts.yes) });
  const result = await stamp(cli.engine, target);
  if (opts.json) {
    printJson({ ...result, preview });
    return;
  }
  success(
    `Stamped at ${result.revision}: ${plural(result.marked.length, "migration")} marked applied, ${result.unmarked.length} forgotten. The schema was not changed.`,
  );
  if (!result.schemaRecorded) {
    warning(
      "The database still holds what the forgotten migrations did; status shows the mismatch until a run records the schema again.",
    );
  }
};
