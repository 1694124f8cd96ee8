import type { HistoryRow } from "./reports.js";
import type { EngineContext } from "./types.js";

/** Newest-first rows of `tidemark.history`. */
export async function history(_ctx: EngineContext, _options: { limit?: number } = {}): Promise<HistoryRow[]> {
  throw new Error("not implemented yet");
}
