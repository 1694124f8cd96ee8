import { withReader } from "../connection.js";
import { describeSchemaChange, hasSchemaDrift, type SchemaDrift } from "../drift/drift.js";
import { readMigrations } from "../journal.js";
import { analyze } from "../plan.js";
import type { DriftItem } from "../reports.js";
import { invalidIndexes } from "../session.js";
import { readApplied } from "../state.js";
import type { EngineContext } from "../types.js";
import { driftOf } from "./status.js";

/** Result of {@link verify}. */
export interface VerifyReport {
  ok: boolean;
  current: string | null;
  drift: DriftItem[];
  late: string[];
  invalidIndexes: string[];
  /** The live schema against the one recorded after the last run. */
  schemaDrift: SchemaDrift;
  problems: string[];
}

/** Check applied migrations against the files on disk and the live schema against the recorded one; never changes anything. */
export async function verify(ctx: EngineContext): Promise<VerifyReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  return withReader(ctx, async (sql) => {
    const [applied, invalid] = await Promise.all([readApplied(sql), invalidIndexes(sql)]);
    const state = analyze(migrations, applied);
    const schema = await driftOf(sql, ctx, state);
    const problems = [
      ...state.drift.map((d) =>
        d.kind === "changed"
          ? `${d.revision} was changed on disk after it was applied`
          : `${d.revision} is applied but missing from the journal`,
      ),
      ...state.late.map(
        (m) => `${m.tag} is pending but older than the newest applied migration (merged late)`,
      ),
      ...invalid.map(
        (i) => `index ${i} is INVALID (an interrupted CREATE INDEX CONCURRENTLY); drop and rebuild it`,
      ),
      ...(hasSchemaDrift(schema) ? [schema.summary, ...schema.changes.map(describeSchemaChange)] : []),
    ];
    return {
      ok: problems.length === 0,
      current: state.current,
      drift: state.drift,
      late: state.late.map((m) => m.tag),
      invalidIndexes: invalid,
      schemaDrift: schema,
      problems,
    };
  });
}
