import path from "node:path";
import { applyBaseline, readBaseline } from "@tidemark/migrate/modules/lint/baseline";
import { formatFinding } from "@tidemark/migrate/modules/lint/format";
import type { LintFinding, LintReport } from "@tidemark/migrate/modules/lint/types";
import type { Migration } from "@tidemark/migrate/modules/types";
import { color, plural, print } from "./output.js";

/** Lines `upgrade` spends on findings before pointing to `lint` (about 20 with the summary lines). */
export const BRIEF_LINES = 15;

/** A finding's file relative to the working directory, which is how people type paths. */
function relative(f: LintFinding): LintFinding {
  const rel = path.relative(process.cwd(), f.file);
  return { ...f, file: rel.startsWith("..") ? f.file : rel };
}

const isMissingDown = (f: LintFinding) => f.rule === "missing-down";

/** Move findings accepted in the migrations folder's lint baseline out of `report.findings`. */
export async function withBaseline(
  report: LintReport,
  dir: string,
  migrations: Migration[],
): Promise<LintReport> {
  return applyBaseline(report, await readBaseline(dir), migrations);
}

/**
 * "No down file" as one line for the whole history instead of one finding per migration:
 * `N migrations have no down file: a, b, … run pnpm cli adopt`. Empty when every one has a down.
 */
export function missingDownLine(report: LintReport): string | null {
  const tags = report.findings.filter(isMissingDown).map((f) => f.revision ?? f.file);
  if (tags.length === 0) return null;
  const shown =
    tags.length > 5 ? `${tags.slice(0, 5).join(", ")} and ${tags.length - 5} more` : tags.join(", ");
  const verb = tags.length === 1 ? "has" : "have";
  return `${plural(tags.length, "migration")} ${verb} no down file: ${shown}; run pnpm cli adopt to write them.`;
}

function printMissingDowns(report: LintReport): void {
  const line = missingDownLine(report);
  if (line) print(`${color.yellow("⚠")} ${line}`);
}

function printBaselined(report: LintReport): void {
  const n = report.baselined?.length ?? 0;
  if (n > 0)
    print(
      color.dim(`${plural(n, "finding")} accepted in the lint baseline not shown (lint --all shows them).`),
    );
}

/** Print lint findings (errors red, warnings yellow), the missing downs in one line, and the suppressed ones. */
export function printFindings(report: LintReport): void {
  for (const f of report.findings.filter((x) => !isMissingDown(x))) {
    const [first = "", ...rest] = formatFinding(relative(f)).split("\n");
    const paint = f.severity === "error" ? color.red : color.yellow;
    print(paint(first));
    for (const line of rest) print(line.startsWith("  │") ? color.dim(line) : line);
    print();
  }
  printMissingDowns(report);
  if (report.suppressed.length > 0) {
    print(color.dim(`Suppressed by -- tidemark:allow (${report.suppressed.length}):`));
    for (const f of report.suppressed.map(relative)) {
      print(color.dim(`  ${f.rule} at ${f.file}:${f.line}${f.revision ? ` (${f.revision})` : ""}`));
    }
  }
  printBaselined(report);
}

/**
 * Findings in at most about 20 lines, one per finding (errors first), for `upgrade`: the
 * details are one `pnpm cli lint` away, and a long history must not bury the plan.
 */
export function printFindingsBrief(report: LintReport): void {
  const shown = report.findings
    .filter((f) => !isMissingDown(f))
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  for (const f of shown.slice(0, BRIEF_LINES).map(relative)) {
    const paint = f.severity === "error" ? color.red : color.yellow;
    print(
      `${paint(`${f.severity} ${f.rule}`)}: ${f.file}:${f.line}${f.revision ? ` (${f.revision})` : ""} ${f.message}`,
    );
  }
  if (shown.length > BRIEF_LINES) print(color.dim(`… and ${shown.length - BRIEF_LINES} more.`));
  printMissingDowns(report);
  printBaselined(report);
  print(`Run ${color.bold("pnpm cli lint")} for why each finding matters and how to fix it.`);
}

/** `2 errors, 1 warning` */
export function countFindings(report: LintReport): string {
  return `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}`;
}
