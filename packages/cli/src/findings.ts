import path from "node:path";
import { formatFinding, type LintFinding, type LintReport } from "@tidemark/migrate";
import { color, plural, print } from "./output.js";

/** A finding's file relative to the working directory, which is how people type paths. */
function relative(f: LintFinding): LintFinding {
  const rel = path.relative(process.cwd(), f.file);
  return { ...f, file: rel.startsWith("..") ? f.file : rel };
}

/** Print lint findings (errors red, warnings yellow) and the suppressed ones, for people. */
export function printFindings(report: LintReport): void {
  for (const f of report.findings) {
    const [first = "", ...rest] = formatFinding(relative(f)).split("\n");
    const paint = f.severity === "error" ? color.red : color.yellow;
    print(paint(first));
    for (const line of rest) print(line.startsWith("  │") ? color.dim(line) : line);
    print();
  }
  if (report.suppressed.length > 0) {
    print(color.dim(`Suppressed by -- tidemark:allow (${report.suppressed.length}):`));
    for (const f of report.suppressed.map(relative)) {
      print(color.dim(`  ${f.rule} at ${f.file}:${f.line}${f.revision ? ` (${f.revision})` : ""}`));
    }
  }
}

/** `2 errors, 1 warning` */
export function countFindings(report: LintReport): string {
  return `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}`;
}
