import type { LintRuleCode } from "./rules.js";
import type { SchemaModel } from "./schema.js";

/** Report a finding for the statement being checked; `fix` overrides the catalogue's generic fix. */
export type Emit = (rule: LintRuleCode, message: string, fix?: string) => void;

/** State the rules share while walking one migration's statements in order. */
export interface CheckContext {
  schema: SchemaModel;
  /** Whether the migration runs inside one transaction (see run-mode.ts). */
  transactional: boolean;
  /** Inside an explicit BEGIN … COMMIT written in a non-transactional migration. */
  inTransactionBlock: boolean;
  /** Constraints added NOT VALID in this migration, by `table constraint`, with their rule. */
  notValid: Map<string, LintRuleCode>;
  emit: Emit;
}

/** Key of a constraint in {@link CheckContext.notValid}. */
export function constraintKey(table: string, name: string): string {
  return `${table} ${name}`;
}

/** Report a CONCURRENTLY operation that PostgreSQL will refuse inside a transaction block. */
export function checkConcurrently(ctx: CheckContext, what: string): void {
  if (!ctx.transactional && !ctx.inTransactionBlock) return;
  const where = ctx.inTransactionBlock
    ? "inside the explicit BEGIN … COMMIT of this migration"
    : "inside the migration's transaction";
  ctx.emit("concurrently-in-transaction", `${what} runs ${where}; PostgreSQL refuses it there.`);
}
