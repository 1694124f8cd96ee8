import { postgresUrl } from "../config.js";
import { TidemarkError } from "../errors.js";
import { identityFromUrl } from "../identity.js";
import { redactUrls } from "../redact.js";

/** One database of a fleet, as stored in job payloads: never carries a password. */
export interface FleetTarget {
  /** Used in job ids and backup sub-folders, hence the narrow alphabet. */
  name: string;
  /** A postgres:// URL without password. */
  url: string;
  /** Name of the environment variable that holds the password. */
  passwordEnv?: string;
}

/** What a target's name may look like: it becomes part of job ids and folder names. */
export const targetNamePattern = /^[A-Za-z0-9][\w.-]{0,63}$/;
/** What `passwordEnv` may look like: a conventional environment variable name. */
export const passwordEnvPattern = /^[A-Z_][A-Z0-9_]*$/;

/** One entry as read from a file or a query, with its position (`targets[3]`) for messages. */
export interface RawTarget {
  at: string;
  entry: unknown;
}

const allowedKeys = ["name", "url", "passwordEnv"];
// Query parameters libpq reads secrets from; a URL carrying them would put them in Redis too.
const secretParams = ["password", "sslpassword"];

/** A value safe to quote in a message: short, and with any URL password masked. */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return redactUrls(text.length > 70 ? `${text.slice(0, 67)}…` : text);
}

/** The URL as a message may show it: every password replaced by `***`. */
function shownUrl(u: URL): string {
  const copy = new URL(u);
  if (copy.password) copy.password = "***";
  for (const key of secretParams) if (copy.searchParams.has(key)) copy.searchParams.set(key, "***");
  // Serialised, the password is percent-encoded, so redactUrls's pattern covers all of it.
  return redactUrls(copy.toString());
}

function urlProblems(url: unknown): string[] {
  if (url === undefined || url === null) return ["url is missing"];
  // The value is not echoed: a malformed URL may still hold a password redaction cannot find.
  if (typeof url !== "string" || !postgresUrl.safeParse(url).success) {
    return ["url must be a postgres:// or postgresql:// URL"];
  }
  const u = new URL(url);
  if (!u.password && !secretParams.some((k) => u.searchParams.has(k))) return [];
  return [
    `url ${shownUrl(u)} carries a password; job payloads travel through Redis, so give the password through an environment variable named by passwordEnv, or a pgpass entry`,
  ];
}

function passwordEnvProblems(passwordEnv: unknown): string[] {
  if (passwordEnv === undefined) return [];
  if (typeof passwordEnv === "string" && passwordEnvPattern.test(passwordEnv)) return [];
  // Not echoed: a password pasted here by mistake must not reach a log.
  return [
    "passwordEnv must be the name of an environment variable (A-Z, 0-9 and _, not starting with a digit)",
  ];
}

interface Checked {
  label: string;
  target?: FleetTarget;
  problems: string[];
}

function checkEntry({ at, entry }: RawTarget): Checked {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    return { label: at, problems: ["must be an object with name, url and optionally passwordEnv"] };
  }
  const e = entry as Record<string, unknown>;
  const nameOk = typeof e.name === "string" && targetNamePattern.test(e.name);
  const label = nameOk ? `target "${e.name}"` : at;
  const problems = [
    ...(nameOk
      ? []
      : [
          e.name === undefined
            ? "name is missing"
            : `name ${quoted(e.name)} must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit`,
        ]),
    ...urlProblems(e.url),
    ...passwordEnvProblems(e.passwordEnv),
    ...Object.keys(e)
      .filter((k) => !allowedKeys.includes(k))
      .map((k) => `unknown key ${quoted(k)} (a target has ${allowedKeys.join(", ")})`),
  ];
  if (problems.length > 0) return { label, problems };
  const target: FleetTarget = { name: e.name as string, url: e.url as string };
  if (e.passwordEnv !== undefined) target.passwordEnv = e.passwordEnv as string;
  return { label, target, problems };
}

/** `host:port/database`, lower-cased host: two targets with the same key would migrate one database twice. */
function databaseKey(url: string): string {
  const id = identityFromUrl(url);
  return `${id.host.toLowerCase()}:${id.port}/${id.database}`;
}

function crossProblems(targets: FleetTarget[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, number>();
  const byDatabase = new Map<string, string>();
  for (const t of targets) {
    byName.set(t.name, (byName.get(t.name) ?? 0) + 1);
    const key = databaseKey(t.url);
    const first = byDatabase.get(key);
    if (first !== undefined && first !== t.name) {
      problems.push(`targets "${first}" and "${t.name}" both point at ${key}`);
    } else byDatabase.set(key, t.name);
  }
  for (const [name, count] of byName) {
    if (count > 1) problems.push(`target "${name}" is listed ${count} times; names must be unique`);
  }
  return problems;
}

/**
 * The targets of `entries`, or TM_TARGETS_INVALID listing every problem at once, one per line,
 * each naming its target (or its position when the name itself is bad). Never shows a password.
 */
export function validateTargets(entries: RawTarget[], source: string): FleetTarget[] {
  const checked = entries.map(checkEntry);
  const targets = checked.flatMap((c) => (c.target ? [c.target] : []));
  const problems = [
    ...checked.flatMap((c) => c.problems.map((p) => `${c.label}: ${p}`)),
    ...crossProblems(targets),
  ];
  if (problems.length > 0) throw targetsInvalid(source, problems);
  return targets;
}

/**
 * TM_TARGETS_INVALID for `source` (a file path or the query) with one line per problem. No
 * `cause`: a parser's error quotes the file around the fault, which may hold a password.
 */
export function targetsInvalid(source: string, problems: string[]): TidemarkError {
  return new TidemarkError(
    "TM_TARGETS_INVALID",
    `The fleet's targets from ${source} are invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix the targets file or query and retry.`,
    { details: { source, problems } },
  );
}
