import type { Snapshot } from "./snapshot.js";

type DrizzleKitApi = {
  generateDrizzleJson: (imports: Record<string, unknown>, prevId?: string) => unknown;
  generateMigration: (prev: unknown, cur: unknown) => Promise<string[]>;
};

let api: Promise<DrizzleKitApi> | undefined;

// drizzle-kit's API bundle is ~3 MB: load it only when a migration is being authored, never
// when the engine merely applies migrations (the API and the worker import this package).
function load(): Promise<DrizzleKitApi> {
  api ??= import("drizzle-kit/api").then((m) => m as unknown as DrizzleKitApi);
  return api;
}

/** drizzle-kit's snapshot of a loaded schema module, chained to `prevId`. */
export async function snapshotOf(imports: Record<string, unknown>, prevId: string): Promise<Snapshot> {
  const { generateDrizzleJson } = await load();
  return generateDrizzleJson(imports, prevId) as Snapshot;
}

/**
 * drizzle-kit's SQL for going from `from` to `to`. Callers must have removed every ambiguous
 * rename first (see renames.ts): drizzle-kit would otherwise prompt, and fails without a TTY.
 */
export async function diffSql(from: Snapshot, to: Snapshot): Promise<string[]> {
  const { generateMigration } = await load();
  return generateMigration(from, to);
}
