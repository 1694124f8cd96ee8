import type { LintFinding } from "../lint/types.js";
import type { RenamePlan } from "./rewrite.js";
import { displayTable } from "./snapshot.js";
import type { RenameAnswer, RenameQuestion } from "./types.js";

type Resolver = (question: RenameQuestion) => Promise<RenameAnswer>;

/** Questions answered "create" at the prompt: their candidates may be dropped on purpose. */
export interface PromptRecord {
  resolver: Resolver | undefined;
  createAnswers: RenameQuestion[];
  /** Every drop was let through (`create --allow-drop` or confirmed at the drop prompt). */
  acceptDrops?: boolean;
}

/** Wrap the rename prompt so the answers that confirm a drop are remembered. */
export function recordingResolver(resolver: Resolver | undefined, acceptDrops = false): PromptRecord {
  const record: PromptRecord = { resolver: undefined, createAnswers: [], acceptDrops };
  if (resolver) {
    record.resolver = async (question) => {
      const answer = await resolver(question);
      if (answer.action === "create") record.createAnswers.push(question);
      return answer;
    };
  }
  return record;
}

const bare = (name: string) => name.slice(name.lastIndexOf(".") + 1);

/** Tables and `table.column`s the person saw dropped at the prompt and did not turn into renames. */
function confirmedDrops(plan: RenamePlan, record: PromptRecord): { tables: string[]; columns: string[] } {
  const renamedTables = new Set(plan.tables.map((t) => displayTable(t.from)));
  const renamedColumns = new Set(plan.columns.map((c) => `${displayTable(c.targetTable)}.${c.from}`));
  const tables: string[] = [];
  const columns: string[] = [];
  for (const q of record.createAnswers) {
    for (const c of q.candidates) {
      if (q.kind === "table" && !renamedTables.has(c)) tables.push(c);
      if (q.kind === "column" && !renamedColumns.has(`${q.table}.${c}`)) columns.push(`${q.table}.${c}`);
    }
  }
  return { tables, columns };
}

function mentions(statement: string, ...names: string[]): boolean {
  return names.every((n) => statement.includes(`"${bare(n)}"`));
}

/**
 * The lint findings of a new migration that its author confirmed in `create`: renames passed
 * as flags or chosen at the prompt, drops of what the prompt showed disappearing, and every
 * drop with `acceptDrops`. A drop
 * rule is confirmed only when every finding of it in the file is one the person saw, because
 * the baseline accepts a rule for the whole file.
 */
export function confirmedFindings(
  findings: LintFinding[],
  plan: RenamePlan,
  record: PromptRecord,
): LintFinding[] {
  const drops = confirmedDrops(plan, record);
  const seen = (f: LintFinding): boolean => {
    if (f.rule === "rename-table") return plan.tables.length > 0;
    if (f.rule === "rename-column") return plan.columns.length > 0;
    if (record.acceptDrops && (f.rule === "drop-table" || f.rule === "drop-column")) return true;
    if (f.rule === "drop-table") return drops.tables.some((t) => mentions(f.statement, t));
    if (f.rule === "drop-column") {
      return drops.columns.some((c) => mentions(f.statement, c.slice(0, c.lastIndexOf(".")), c));
    }
    return false;
  };
  const rules = new Set(findings.map((f) => f.rule));
  const unseen = new Set(findings.filter((f) => !seen(f)).map((f) => f.rule));
  return findings.filter((f) => rules.has(f.rule) && !unseen.has(f.rule));
}
