/** How bad a finding is: errors make `tidemark lint` exit non-zero, warnings do not. */
export type LintSeverity = "error" | "warning";

/** One risky statement found in a migration, with the reason and the safe alternative. */
export interface LintFinding {
  /** Stable kebab-case rule code from {@link lintRules}, e.g. `drop-column`. */
  rule: string;
  severity: LintSeverity;
  /** The migration file the statement is in. */
  file: string;
  /** 1-based line of the statement's first token in that file. */
  line: number;
  /** The statement's SQL text as written (without the trailing semicolon). */
  statement: string;
  /** What this statement does, naming the table/column concerned. */
  message: string;
  /** Why it is risky in production. */
  why: string;
  /** The safe alternative. */
  fix: string;
  /** Revision id (journal tag) of the migration, when known. */
  revision?: string;
}

/** Result of linting one file or a whole history. */
export interface LintReport {
  /** Findings that count, in file then line order. */
  findings: LintFinding[];
  /** Findings silenced by a `-- tidemark:allow <rule>` comment, listed so reviews can see them. */
  suppressed: LintFinding[];
  /** Findings accepted in the lint baseline (`tidemark.lint-baseline.json`), when one was applied. */
  baselined?: LintFinding[];
  /** Number of error-severity entries in `findings`. */
  errors: number;
  /** Number of warning-severity entries in `findings`. */
  warnings: number;
}
