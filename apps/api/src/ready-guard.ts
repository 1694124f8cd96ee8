import { TidemarkError } from "@tidemark/migrate";
import type { Boot } from "./boot.js";

/** An `onRequest` hook answering 503 TM_NOT_READY until the boot migration has succeeded. */
export function requireReady(boot: Boot): () => Promise<void> {
  return async () => {
    if (boot.ready) return;
    const s = boot.snapshot();
    const why = s.failure
      ? `${s.failure.code}: ${s.failure.message} Next: ${s.failure.nextCommand}`
      : `the database is being ${s.phase === "migrating" ? "migrated" : "connected to"}`;
    throw new TidemarkError("TM_NOT_READY", `Not ready (${s.phase}): ${why}. See GET /health/ready.`, {
      details: { phase: s.phase, failure: s.failure?.code ?? null },
    });
  };
}
