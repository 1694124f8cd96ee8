export { type RunMode, runModeOf, runsOutsideTransaction } from "../run-mode.js";
export {
  acceptFindings,
  applyBaseline,
  BASELINE_FILE,
  type BaselineEntry,
  baselinePath,
  isBaselined,
  type LintBaseline,
  readBaseline,
} from "./baseline.js";
export { formatFinding } from "./format.js";
export { type LintSqlOptions, lintMigrations, lintSql } from "./lint.js";
export { findLintRule, type LintRule, type LintRuleCode, lintRules } from "./rules.js";
export { type LintFinding, type LintReport, type LintSeverity, lintFindingSchema } from "./types.js";
