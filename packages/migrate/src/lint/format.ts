import type { LintFinding } from "./types.js";

/** Statement lines shown under a finding; the full text stays in the finding (and `--json`). */
const SHOWN_LINES = 4;
const SHOWN_WIDTH = 120;

/** A finding as a plain multi-line block for terminals (the CLI adds colours). */
export function formatFinding(f: LintFinding): string {
  const where = `${f.file}:${f.line}`;
  const revision = f.revision ? ` (${f.revision})` : "";
  const lines = [`${f.severity} ${f.rule}: ${where}${revision}`, `  ${f.message}`];
  if (f.statement) {
    const stmt = f.statement.split("\n");
    for (const line of stmt.slice(0, SHOWN_LINES)) {
      const clipped = line.length > SHOWN_WIDTH ? `${line.slice(0, SHOWN_WIDTH - 1)}…` : line;
      lines.push(`  │ ${clipped}`);
    }
    if (stmt.length > SHOWN_LINES) lines.push(`  │ … (${stmt.length - SHOWN_LINES} more lines)`);
  }
  lines.push(`  why: ${f.why}`, `  fix: ${f.fix}`);
  return lines.join("\n");
}
