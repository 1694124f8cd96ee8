import type { Sql } from "../connection.js";
import { invalidIndexes } from "../session.js";
import type { EngineContext, Migration } from "../types.js";

/**
 * A crash during CREATE INDEX CONCURRENTLY leaves an INVALID index that makes the rerun fail with
 * "already exists". Drop only invalid indexes this very migration creates, then build them again.
 */
export async function dropInterruptedIndexes(
  sql: Sql,
  ctx: EngineContext,
  m: Migration,
  text: string,
): Promise<void> {
  const lowered = text.toLowerCase();
  for (const name of await invalidIndexes(sql)) {
    const [schema = "public", index = ""] = name.split(".");
    if (!lowered.includes(index.toLowerCase())) continue;
    ctx.logger.warn(
      { revision: m.tag, index: name },
      "dropping invalid index left by an interrupted run; it will be rebuilt",
    );
    await sql.unsafe(`drop index concurrently if exists "${schema}"."${index}"`);
  }
}
