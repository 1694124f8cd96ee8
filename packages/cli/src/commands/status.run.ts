// Single engine modules: an up-to-date status must not load the SQL parser, drizzle-kit or BullMQ.

import { status } from "@tidemark/migrate/modules/commands/status";
import {
  describeSchemaChange,
  hasSchemaDrift,
  type SchemaDrift,
} from "@tidemark/migrate/modules/drift/drift";
import type { StatusReport } from "@tidemark/migrate/modules/reports";
import { createCliContext } from "../context.js";
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
  const schemaDrifted = hasSchemaDrift(report.schemaDrift);
  if (report.upToDate && !schemaDrifted && !report.lastFailure) success("Up to date.");
  else if (report.upToDate) success("No pending migrations.");
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
    for (const b of h.blockedBy) {
      print(
        `    waiting on pid ${b.pid} (${b.state ?? "unknown state"})${b.query ? `: ${b.query}` : ""}; end it with SELECT pg_terminate_backend(${b.pid}) if it should not run`,
      );
    }
  }
  if (report.schemaDrift) printSchemaDrift(report.schemaDrift);
  if (report.lastFailure) {
    const f = report.lastFailure;
    print(
      `${color.red("✖")} Last failure: ${f.direction} ${f.revision} at ${f.startedAt}: ${f.error ?? "unknown error"}`,
    );
  }
  if (report.supersededFailure) {
    const f = report.supersededFailure;
    print(
      color.dim(
        `  Earlier failure, since superseded (${f.supersededBecause}): ${f.direction} ${f.revision} at ${f.startedAt}. Details: pnpm cli history`,
      ),
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

/** The live schema against the one recorded after the last run. */
function printSchemaDrift(drift: SchemaDrift): void {
  if (drift.state === "clean") {
    print(`${color.green("✔")} Schema matches the one recorded after the last run.`);
    return;
  }
  if (drift.state === "unrecorded") {
    print(color.dim(`  ${drift.summary}`));
    return;
  }
  print(`${color.red("✖")} ${drift.summary}`);
  for (const change of drift.changes) print(`    ${describeSchemaChange(change)}`);
}

/** What makes `status --check` fail: anything a CI gate should stop on. */
export function statusProblems(report: StatusReport): string[] {
  const problems: string[] = [];
  if (!report.databaseExists) problems.push("the database does not exist");
  if (report.pending.length) problems.push(`${plural(report.pending.length, "pending migration")}`);
  for (const d of report.drift) {
    problems.push(
      `${d.revision} ${d.kind === "changed" ? "changed on disk after it was applied" : "is applied but missing on disk"}`,
    );
  }
  if (report.late.length) problems.push(`merged late: ${report.late.join(", ")}`);
  for (const index of report.invalidIndexes) problems.push(`invalid index ${index}`);
  if (hasSchemaDrift(report.schemaDrift))
    problems.push("the schema drifted from the one recorded after the last run");
  if (report.lastFailure)
    problems.push(`the last ${report.lastFailure.direction} of ${report.lastFailure.revision} failed`);
  return problems;
}

/** The `status` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (opts: { json?: boolean; check?: boolean }) => {
  const report = await status(createCliContext().engine);
  const problems = opts.check ? statusProblems(report) : [];
  if (problems.length) process.exitCode = 1;
  if (opts.json) {
    printJson(opts.check ? { ...report, check: { ok: problems.length === 0, problems } } : report);
    return;
  }
  printStatus(report);
  if (!opts.check) return;
  print();
  if (problems.length) print(`${color.red("✖")} Check failed: ${problems.join("; ")}.`);
  else success("Check passed: nothing pending, no drift, no failure.");
};
