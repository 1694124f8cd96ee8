import { isTidemarkError, loadTargets, type TargetsConfig } from "@tidemark/migrate";
import type { Logger } from "pino";

/**
 * When this worker's environment names the fleet's targets, check them once at start-up: a
 * target whose password variable is not set here would fail every run on this worker, and
 * it is cheaper to hear it now. Only names are logged, never a value. An invalid targets file
 * is an error in the log; the worker still serves single jobs and runs that carry their own
 * targets.
 */
export async function checkTargets(config: TargetsConfig, logger: Logger, env = process.env): Promise<void> {
  try {
    const targets = await loadTargets(config);
    const missing = targets.filter((t) => t.passwordEnv && !env[t.passwordEnv]);
    if (missing.length > 0) {
      logger.warn(
        { targets: missing.map((t) => t.name), variables: [...new Set(missing.map((t) => t.passwordEnv))] },
        "fleet targets whose password variable is not set in this worker's environment: they fail here",
      );
    } else {
      logger.info({ targets: targets.length }, "fleet targets checked");
    }
  } catch (err) {
    logger.error(
      { code: isTidemarkError(err) ? err.code : "TM_INTERNAL", err },
      "fleet targets could not be read",
    );
  }
}
