import type { RollbackPreview } from "./reports.js";
import type { EngineContext, ProgressEvent, RunReport } from "./types.js";

/** Options of {@link rollback}. */
export interface RollbackOptions {
  /** `prev`, `base`, or a revision (full tag or `NNNN` prefix) to end at. */
  to: string;
  dryRun?: boolean;
  /** Skip the automatic restore point (DESIGN §9). */
  noBackup?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  shouldStop?: () => boolean;
}

/** What a rollback to `to` would undo and the data it would destroy (tables/columns with row counts). */
export async function previewRollback(_ctx: EngineContext, _to: string): Promise<RollbackPreview> {
  throw new Error("not implemented yet");
}

/** Roll back applied migrations down to `to`, under the advisory lock, newest first. */
export async function rollback(_ctx: EngineContext, _options: RollbackOptions): Promise<RunReport> {
  throw new Error("not implemented yet");
}
