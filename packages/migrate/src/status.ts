import type { StatusReport } from "./reports.js";
import type { EngineContext } from "./types.js";

/** Result of the boot-time fast check. */
export interface UpToDateCheck {
  upToDate: boolean;
  hasMigrations: boolean;
  current: string | null;
  latest: string | null;
  pending: number;
}

/** One query: is the database at the newest revision with matching checksums? For API boot. */
export async function checkUpToDate(_ctx: EngineContext): Promise<UpToDateCheck> {
  throw new Error("not implemented yet");
}

/** Full status: revisions, pending, drift, late merges, tables and columns, lock holder. */
export async function status(_ctx: EngineContext): Promise<StatusReport> {
  throw new Error("not implemented yet");
}
