import { TidemarkError } from "../errors.js";
import { findTarget } from "./targets.js";
import type { FleetTarget } from "./validate.js";

/** How a fleet run is staged: which targets go first, and how many at a time after them. */
export interface WavePlanOptions {
  /** Targets migrated first, in this order (`--canary`). */
  canary?: string[];
  /** Take the first N targets of the list as canaries instead (`--canary-count`). */
  canaryCount?: number;
  /** Targets per wave after the canaries; default: all of them in one wave. */
  waveSize?: number;
}

/** Target names in the order a fleet run migrates them. */
export interface WavePlan {
  canary: string[];
  waves: string[][];
}

function usage(message: string): TidemarkError {
  return new TidemarkError("TM_USAGE", message);
}

function canaryNames(targets: FleetTarget[], { canary, canaryCount }: WavePlanOptions): string[] {
  if (canary && canary.length > 0 && canaryCount !== undefined) {
    throw usage(
      "--canary and --canary-count cannot be used together: name the canaries, or say how many to take from the top of the list.",
    );
  }
  if (canaryCount !== undefined) {
    if (!Number.isInteger(canaryCount) || canaryCount < 0) {
      throw usage(`--canary-count must be a whole number of 0 or more (got ${canaryCount}).`);
    }
    if (canaryCount > targets.length) {
      throw usage(`--canary-count ${canaryCount} is more than the fleet's ${targets.length} targets.`);
    }
    return targets.slice(0, canaryCount).map((t) => t.name);
  }
  const seen = new Set<string>();
  for (const name of canary ?? []) {
    findTarget(targets, name);
    if (seen.has(name)) throw usage(`--canary names "${name}" twice.`);
    seen.add(name);
  }
  return [...seen];
}

/**
 * Canaries first (in the order given), then the remaining targets in list order in waves of
 * `waveSize`. Empty waves are never produced: a fleet of canaries only has no waves.
 */
export function planWaves(targets: FleetTarget[], options: WavePlanOptions): WavePlan {
  const canary = canaryNames(targets, options);
  const chosen = new Set(canary);
  const rest = targets.map((t) => t.name).filter((n) => !chosen.has(n));
  const size = options.waveSize ?? Math.max(rest.length, 1);
  if (!Number.isInteger(size) || size < 1) {
    throw usage(`--wave-size must be a whole number of 1 or more (got ${options.waveSize}).`);
  }
  const waves: string[][] = [];
  for (let i = 0; i < rest.length; i += size) waves.push(rest.slice(i, i + size));
  return { canary, waves };
}
