import { withReader } from "./connection.js";
import { readMigrations } from "./journal.js";
import { analyze } from "./plan.js";
import type { DriftItem } from "./reports.js";
import { invalidIndexes } from "./session.js";
import { readApplied } from "./state.js";
import type { EngineContext } from "./types.js";

/** Result of {@link verify}. */
export interface VerifyReport {
  ok: boolean;
  current: string | null;
  drift: DriftItem[];
  late: string[];
  invalidIndexes: string[];
  problems: string[];
}

/** Check applied migrations against the files on disk; never changes anything. */
export async function verify(ctx: EngineContext): Promise<VerifyReport> {
  const migrations = await readMigrations(ctx.migrationsDir);
  return withReader(ctx, async (sql) => {
    const [applied, invalid] = await Promise.all([readApplied(sql), invalidIndexes(sql)]);
    const state = analyze(migrations, applied);
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
    ];
    return {
      ok: problems.length === 0,
      current: state.current,
      drift: state.drift,
      late: state.late.map((m) => m.tag),
      invalidIndexes: invalid,
      problems,
    };
  });
}
