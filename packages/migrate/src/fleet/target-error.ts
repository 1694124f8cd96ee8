import { isTidemarkError, TidemarkError } from "../errors.js";
import { describeDatabaseUrl } from "../redact.js";
import type { FleetTarget } from "./validate.js";

/**
 * An engine error about one fleet target, naming it. The engine's messages point at
 * DATABASE_URL, the single-database setting; for a target the fix is in its entry.
 */
export function aboutTarget(err: unknown, target: FleetTarget): unknown {
  if (!isTidemarkError(err)) return err;
  const where = `${target.name} (${describeDatabaseUrl(target.url)})`;
  const message = err.message.replace("Check DATABASE_URL", "Check the target's entry in the targets list");
  return new TidemarkError(err.code, `Target ${where}: ${message}`, {
    cause: err,
    details: { ...err.details, target: target.name },
  });
}
