import { TidemarkError } from "../errors.js";
import type { TargetsConfig } from "./config.js";
import { pgpassKey, pgpassPassword } from "./pgpass.js";
import { type FleetTarget, quoted, type RawTarget, validateTargets } from "./validate.js";

type Env = Record<string, string | undefined>;

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
    // Each source's parser (yaml) or driver (postgres) is loaded only when it is used.
    const { readTargetsFile } = await import("./targets-file.js");
    entries.push(...(await readTargetsFile(config.file)));
  }
  if (config.query) {
    const { querySource, queryTargets } = await import("./targets-query.js");
    sources.push(querySource(config.controlDatabaseUrl));
    entries.push(...(await queryTargets(config.query, config.controlDatabaseUrl)));
  }
  return validateTargets(entries, sources.join(" and "));
}

function targetPassword(target: FleetTarget, env: Env): string | undefined {
  if (target.passwordEnv) {
    const value = env[target.passwordEnv];
    if (value) return value;
    throw new TidemarkError(
      "TM_TARGET_PASSWORD",
      `Target "${target.name}" takes its password from the environment variable ${target.passwordEnv}, which is ${value === undefined ? "not set" : "empty"} in this process. Set it where the target is migrated (the migrator's environment, or the CLI's with --direct) and retry.`,
      { details: { target: target.name, passwordEnv: target.passwordEnv } },
    );
  }
  // libpq's order: a PGPASSWORD in the environment wins over the password file (the driver reads it).
  if (env.PGPASSWORD) return undefined;
  return pgpassPassword(pgpassKey(target.url, env), env);
}

/**
 * The URL to connect to `target` with: its password from `env[passwordEnv]`, else from a
 * matching pgpass entry, else the URL unchanged. The result carries a secret: never log it,
 * never put it in a job payload.
 */
export function targetConnectionUrl(target: FleetTarget, env: Env = process.env): string {
  const password = targetPassword(target, env);
  if (password === undefined) return target.url;
  const u = new URL(target.url);
  // Encoded in full: the setter leaves "%" alone, and the driver decodes what it reads.
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** The target called `name`, or TM_TARGET_UNKNOWN listing a few of the known names. */
export function findTarget(targets: FleetTarget[], name: string): FleetTarget {
  const found = targets.find((t) => t.name === name);
  if (found) return found;
  const shown = targets.slice(0, 5).map((t) => t.name);
  const known =
    targets.length === 0
      ? "the fleet has no targets"
      : `known: ${shown.join(", ")}${targets.length > shown.length ? `, … (${targets.length} in all)` : ""}`;
  throw new TidemarkError("TM_TARGET_UNKNOWN", `No fleet target is named ${quoted(name)}; ${known}.`, {
    details: { name, known: shown, count: targets.length },
  });
}
