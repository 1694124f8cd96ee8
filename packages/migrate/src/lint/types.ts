import { z } from "zod";

/** How bad a finding is: errors make `tidemark lint` exit non-zero, warnings do not. */
export type LintSeverity = "error" | "warning";

/** One risky statement found in a migration, with the reason and the safe alternative. */
export const lintFindingSchema = z.object({
  /** Stable kebab-case rule code from {@link lintRules}, e.g. `drop-column`. */
  rule: z.string(),
  severity: z.enum(["error", "warning"]),
  /** The migration file the statement is in. */
  file: z.string(),
  /** 1-based line of the statement's first token in that file. */
  line: z.number().int(),
  /** The statement's SQL text as written (without the trailing semicolon). */
  statement: z.string(),
  /** What this statement does, naming the table/column concerned. */
  message: z.string(),
  /** Why it is risky in production. */
  why: z.string(),
  /** The safe alternative. */
  fix: z.string(),
  /** Revision id (journal tag) of the migration, when known. */
  revision: z.string().optional(),
});
/** One risky statement found in a migration. */
export type LintFinding = z.infer<typeof lintFindingSchema>;

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
