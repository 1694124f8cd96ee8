import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { loadTargets } from "@tidemark/migrate/modules/fleet/targets";
import type { FleetTarget } from "@tidemark/migrate/modules/fleet/validate";
import { loadCliConfig } from "./config.js";

/** The fleet's targets from TIDEMARK_TARGETS / TIDEMARK_TARGETS_QUERY, validated; a usage error when neither is set. */
export async function loadFleetTargets(): Promise<FleetTarget[]> {
  const { fleet } = loadCliConfig();
  if (!fleet) {
    throw new TidemarkError(
      "TM_USAGE",
      "No fleet is configured: set TIDEMARK_TARGETS to a JSON or YAML file of targets, or TIDEMARK_TARGETS_QUERY to a query returning name and url (docs/fleet.md).",
    );
  }
  return loadTargets(fleet);
}
