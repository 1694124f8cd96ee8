import { TidemarkError } from "../errors.js";
import type { TargetsConfig } from "./config.js";
import { readTargetsFile } from "./targets-file.js";
import { querySource, queryTargets } from "./targets-query.js";
import { type FleetTarget, type RawTarget, validateTargets } from "./validate.js";

/**
 * The fleet's targets from the file, the query, or both (their union, validated together so
 * a name or database listed by both is caught). A query may return no rows; a file may not.
 */
export async function loadTargets(config: TargetsConfig): Promise<FleetTarget[]> {
  if (!config.file && !config.query) {
    throw new TidemarkError(
      "TM_CONFIG_INVALID",
      "No fleet is configured: set TIDEMARK_TARGETS (a targets file) or TIDEMARK_TARGETS_QUERY (SQL on the control database).",
    );
  }
  const sources: string[] = [];
  const entries: RawTarget[] = [];
  if (config.file) {
    sources.push(config.file);
    entries.push(...(await readTargetsFile(config.file)));
  }
  if (config.query) {
    sources.push(querySource(config.controlDatabaseUrl));
    entries.push(...(await queryTargets(config.query, config.controlDatabaseUrl)));
  }
  return validateTargets(entries, sources.join(" and "));
}
