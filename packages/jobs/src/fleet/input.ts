import { TidemarkError } from "@tidemark/migrate/modules/errors";
import type { FleetAction } from "./names.js";
import type { FleetInput } from "./payloads.js";

/** The options a caller (the CLI's flags, the API's body) may give a run besides its plan. */
export interface FleetOptions {
  to?: string;
  label?: string;
  noBackup?: boolean;
  acceptUnverified?: boolean;
}

/** Options each action takes; any other is a mistake the caller must hear about. */
const OPTIONS_OF = {
  upgrade: ["to"],
  rollback: ["to", "noBackup", "acceptUnverified"],
  backup: ["label"],
} as const;

/**
 * The per-target input of a run, for the CLI and the API alike: a rollback needs `to`, and an
 * option of another action is refused rather than ignored (TM_VALIDATION).
 */
export function fleetInput(action: FleetAction, options: FleetOptions): FleetInput {
  const allowed: readonly string[] = OPTIONS_OF[action];
  for (const key of ["to", "label", "noBackup", "acceptUnverified"] as const) {
    if (options[key] !== undefined && !allowed.includes(key)) {
      throw new TidemarkError(
        "TM_VALIDATION",
        `\`${key}\` does not apply to a fleet ${action}; it takes ${allowed.map((k) => `\`${k}\``).join(", ")}.`,
        { details: { in: "body", field: key } },
      );
    }
  }
  if (action === "upgrade") return options.to ? { to: options.to } : {};
  if (action === "backup") return options.label ? { label: options.label } : {};
  if (!options.to) {
    throw new TidemarkError(
      "TM_VALIDATION",
      "A fleet rollback needs `to`: `prev` (one step on each target), `base`, or the revision to end at.",
      { details: { in: "body", field: "to" } },
    );
  }
  return {
    to: options.to,
    ...(options.noBackup ? { noBackup: true } : {}),
    ...(options.acceptUnverified ? { acceptUnverified: true } : {}),
  };
}
