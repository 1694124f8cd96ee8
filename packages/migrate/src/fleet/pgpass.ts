import { readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

type Env = Record<string, string | undefined>;

/** What libpq matches the first four fields of a password-file line against. */
export interface PgpassKey {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** The password file libpq reads: PGPASSFILE, else ~/.pgpass (%APPDATA%\postgresql\pgpass.conf on Windows). */
export function pgpassFile(env: Env): string {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  if (process.platform === "win32") return path.join(env.APPDATA ?? "", "postgresql", "pgpass.conf");
  return path.join(env.HOME ?? os.homedir(), ".pgpass");
}

function osUser(env: Env): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? env.LOGNAME ?? "";
  }
}

/** The key a connection to `url` is looked up by, defaulted the way postgres.js connects. */
export function pgpassKey(url: string, env: Env): PgpassKey {
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || env.PGUSERNAME || env.PGUSER || osUser(env);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || env.PGHOST || "localhost",
    port: u.port || env.PGPORT || "5432",
    database: decodeURIComponent(u.pathname.slice(1)) || env.PGDATABASE || user,
    user,
  };
}

interface Field {
  value: string;
  /** The field was a bare `*`, which matches anything (an escaped `\*` is a literal star). */
  any: boolean;
}

/** Split a line on unescaped colons; `\` escapes the next character, as in libpq. */
function splitLine(line: string): Field[] {
  const fields: Field[] = [];
  let value = "";
  let raw = "";
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === "\\" && i + 1 < line.length) {
      i++;
      value += line.charAt(i);
      raw += `\\${line.charAt(i)}`;
    } else if (c === ":") {
      fields.push({ value, any: raw === "*" });
      value = "";
      raw = "";
    } else {
      value += c;
      raw += c;
    }
  }
  fields.push({ value, any: raw === "*" });
  return fields;
}

const warned = new Set<string>();

/** libpq ignores a password file others may read; it says so once, and so do we. */
function usable(file: string): boolean {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  if (process.platform === "win32" || (stat.mode & 0o077) === 0) return true;
  if (!warned.has(file)) {
    warned.add(file);
    process.emitWarning(
      `password file ${file} has group or world access and is ignored; permissions should be u=rw (0600) or less`,
      { code: "TIDEMARK_PGPASS_MODE" },
    );
  }
  return false;
}

/**
 * The password of the first line of the password file matching `key`, with libpq's rules:
 * `#` comments, `*` for any value of a field, `\:` and `\\` escapes. Undefined when no line
 * matches or the file is missing, not a plain file, or readable by others.
 */
export function pgpassPassword(key: PgpassKey, env: Env): string | undefined {
  const file = pgpassFile(env);
  if (!usable(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const wanted = [key.host, key.port, key.database, key.user];
  for (const line of text.split("\n")) {
    const trimmed = line.replace(/\r$/, "");
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const fields = splitLine(trimmed);
    if (fields.length < 5) continue;
    if (wanted.every((w, i) => fields[i]?.any || fields[i]?.value === w))
      return fields[4]?.value || undefined;
  }
  return undefined;
}
