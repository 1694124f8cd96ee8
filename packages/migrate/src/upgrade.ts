import type { EngineContext, ProgressEvent, RunReport } from "./types.js";

/** Options of {@link upgrade}. */
export interface UpgradeOptions {
  /** Stop at this revision (inclusive); default: the newest. */
  to?: string;
  /** Plan only: report the steps without touching the database. */
  dryRun?: boolean;
  /** Run the whole plan in one transaction instead of one per migration. */
  singleTransaction?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Checked between migrations: return true to stop after the current one (graceful shutdown). */
  shouldStop?: () => boolean;
}

/** Apply pending migrations under the advisory lock. */
export async function upgrade(_ctx: EngineContext, _options: UpgradeOptions = {}): Promise<RunReport> {
  throw new Error("not implemented yet");
}
