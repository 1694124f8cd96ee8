import type { DriftItem } from "./reports.js";
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
export async function verify(_ctx: EngineContext): Promise<VerifyReport> {
  throw new Error("not implemented yet");
}
