import type { EngineContext } from "./types.js";

/** Mark every migration up to `revision` as applied without running it (baseline an existing database). */
export async function stamp(
  _ctx: EngineContext,
  _revision: string,
): Promise<{ revision: string; stamped: string[] }> {
  throw new Error("not implemented yet");
}
