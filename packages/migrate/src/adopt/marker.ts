import { readFile } from "node:fs/promises";

/**
 * The first line of a generated down migration that could not be proven on a scratch database.
 * `rollback` refuses to run such a down unless the user accepts it (`--accept-unverified`).
 */
export const UNVERIFIED_PREFIX = "-- tidemark:unverified";

/** The marker line for `reason` (kept on one line: it is the file's first). */
export function unverifiedLine(reason: string): string {
  return `${UNVERIFIED_PREFIX} ${reason.replace(/\s+/g, " ").trim()}`;
}

/** The reason a down file is marked unverified, or null when it is not marked. */
export function unverifiedReason(text: string): string | null {
  const first = text.split("\n", 1)[0] ?? "";
  if (!first.startsWith(UNVERIFIED_PREFIX)) return null;
  return first.slice(UNVERIFIED_PREFIX.length).trim() || "not proven";
}

/** {@link unverifiedReason} of a file on disk. */
export async function readUnverifiedReason(file: string): Promise<string | null> {
  return unverifiedReason(await readFile(file, "utf8"));
}
