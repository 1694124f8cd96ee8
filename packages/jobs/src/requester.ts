import { hostname, userInfo } from "node:os";
import type { RequestedBy } from "./payloads.js";

/** The `requestedBy` of a job asked for by this process. */
export function currentRequester(via: RequestedBy["via"]): RequestedBy {
  let user: string | undefined;
  try {
    user = userInfo().username || undefined;
  } catch {
    // No passwd entry (some containers): the host and pid still identify the caller.
  }
  return { via, host: hostname(), pid: process.pid, ...(user ? { user } : {}) };
}
