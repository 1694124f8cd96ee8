import { type StatusReport, status } from "@tidemark/migrate";
import type { Command } from "commander";
import { createCliContext } from "../context.js";
import { acceptDirect, withExamples, withJson } from "../help.js";
import { color, heading, plural, print, printJson, rev, success, table, warning } from "../output.js";

/** Print a status report for people. */
export function printStatus(report: StatusReport): void {
  const label = (name: string) => color.dim(name.padEnd(10));
  print(`${label("Database")}${report.database} ${color.dim(`(environment ${report.environment})`)}`);
  if (!report.databaseExists) {
    warning("The database does not exist yet; `pnpm cli upgrade` creates it and applies every migration.");
  }
  print(`${label("Current")}${rev(report.current)}`);
  print(`${label("Latest")}${rev(report.latest)}`);
  if (report.upToDate) success("Up to date.");
  else if (report.pending.length > 0) {
    warning(`${plural(report.pending.length, "pending migration")}. Apply them with: pnpm cli upgrade`);
    for (const p of report.pending) print(`    ${p}`);
  }
  for (const d of report.drift) {
    const what =
      d.kind === "missing" ? "is applied but missing on disk" : "changed on disk after it was applied";
    print(`${color.red("✖")} ${d.revision} ${what}`);
  }
  if (report.late.length > 0) {
    print(
      `${color.red("✖")} Merged behind applied migrations (older timestamps): ${report.late.join(", ")}. Renumber them after the newest applied one.`,
    );
  }
  for (const index of report.invalidIndexes) {
    print(
      `${color.red("✖")} Invalid index ${index} (an interrupted CREATE INDEX CONCURRENTLY); drop and rebuild it.`,
    );
  }
  if (report.lockHolder) {
    const h = report.lockHolder;
    print(
      `${color.yellow("⚠")} Migration lock held by pid ${h.pid}${h.applicationName ? ` (${h.applicationName})` : ""}${h.since ? ` since ${h.since}` : ""}`,
    );
  }
  if (report.lastFailure) {
    const f = report.lastFailure;
    print(
      `${color.red("✖")} Last failure: ${f.direction} ${f.revision} at ${f.startedAt}: ${f.error ?? "unknown error"}`,
    );
  }
  print();
  heading("Tables");
  table(
    ["TABLE", "COLUMNS"],
    report.tables.map((t) => [
      t.schema === "public" ? t.name : `${t.schema}.${t.name}`,
      t.columns.map((c) => c.name).join(", "),
    ]),
  );
}

/** `status`: where the database stands. */
export function registerStatus(program: Command): void {
  const cmd = program
    .command("status")
    .summary("where the database stands")
    .description(
      "Show the current and latest revision, pending migrations, drift, the lock holder and tables",
    );
  withJson(acceptDirect(cmd));
  withExamples(cmd, ["status", "status --json | jq .pending"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const report = await status(createCliContext().engine);
    if (opts.json) printJson(report);
    else printStatus(report);
  });
}
