import path from "node:path";
import { isTidemarkError, type TidemarkError } from "@tidemark/migrate/modules/errors";
import { redactUrls } from "@tidemark/migrate/modules/redact";
import pc from "picocolors";
import { commandName } from "./invocation.js";

/** Colours for stdout; picocolors turns them off when stdout is not a TTY or NO_COLOR is set. */
export const color = pc;

/** True when stdout is a terminal: tables get colour, progress gets a spinner. */
export const stdoutIsTTY = Boolean(process.stdout.isTTY);

export { commandName };

const COMMANDS =
  "status|history|upgrade|rollback|verify|create|init|lint|backup|backups|restore|stamp|jobs|fleet";
// The engine and the worker write hints as `pnpm cli <command>` (the README's form) or, in
// older messages, `tidemark <command>`; only a command word after it makes it a hint.
const COMMAND_HINT = new RegExp(`(?:pnpm cli|(?<![\\w@/.-])tidemark)(?= (?:${COMMANDS})\\b)`, "g");

/** Name every command hint in `text` the way the user invoked the CLI. */
export function nameCommands(text: string): string {
  return text.replace(COMMAND_HINT, commandName);
}

/** Print one line of human output on stdout. */
export function print(line = ""): void {
  process.stdout.write(`${nameCommands(line)}\n`);
}

/** Print `value` as the command's single JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A success line (✔ in green). */
export function success(text: string): void {
  print(`${pc.green("✔")} ${text}`);
}

/** A warning line (⚠ in yellow); still stdout, because it belongs to the command's report. */
export function warning(text: string): void {
  print(`${pc.yellow("⚠")} ${pc.yellow(text)}`);
}

/** A section heading. */
export function heading(text: string): void {
  print(pc.bold(text));
}

/** Visible width of a string, ignoring colour escapes, so columns line up. */
function width(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes is the point.
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/** Print rows as aligned columns under a bold header; `(none)` when there are no rows. */
export function table(headers: string[], rows: string[][], indent = "  "): void {
  if (rows.length === 0) {
    print(`${indent}${pc.dim("(none)")}`);
    return;
  }
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const pad = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - width(cell))))
      .join("  ")
      .trimEnd();
  print(indent + pc.bold(pad(headers)));
  for (const row of rows) print(indent + pad(row));
}

/** `1.2 s`, `35 ms`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return "-";
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** `3.4 MB`, `812 B`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return "-";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A revision for display: `(base)` when nothing is applied. */
export function rev(revision: string | null | undefined): string {
  return revision ?? "(base)";
}

/** A row count for display; `?` when the table could not be counted. */
export function rowCount(rows: number | null | undefined): string {
  if (rows == null) return "? rows";
  return `${rows.toLocaleString("en-US")} row${rows === 1 ? "" : "s"}`;
}

/** `1 migration`, `3 migrations`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** True when the arguments ask for JSON output (`--json` before any `--`). */
export function wantsJson(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).includes("--json");
}

/** A TidemarkError, even if it came from a second copy of the engine package. */
function asTidemarkError(e: unknown): TidemarkError | null {
  if (isTidemarkError(e)) return e;
  const maybe = e as Partial<TidemarkError> | null;
  return maybe?.name === "TidemarkError" &&
    typeof maybe.code === "string" &&
    typeof maybe.exitCode === "number"
    ? (maybe as TidemarkError)
    : null;
}

/**
 * A commander error (a usage error, `--help`, `--version`), told by its `commander.*` code rather
 * than by class, so printing a report does not load commander (`status` runs without it).
 */
function isCommanderError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === "string" && code.startsWith("commander.");
}

/** The single JSON document a failed `--json` command prints on stdout: `code`, `message`, `details`. */
export function errorDocument(e: unknown): {
  code: string;
  message: string;
  details: Record<string, unknown>;
} {
  const known = asTidemarkError(e);
  if (known) {
    return { code: known.code, message: redactUrls(nameCommands(known.message)), details: known.details };
  }
  if (isCommanderError(e)) {
    return { code: "TM_USAGE", message: e.message.replace(/^error: /, ""), details: { commander: e.code } };
  }
  const message = redactUrls(e instanceof Error ? e.message : String(e));
  return { code: "TM_INTERNAL", message: `Unexpected error (a bug in tidemark): ${message}`, details: {} };
}

/** Errors go to stderr, coloured only when stderr is a terminal. */
const red = process.stderr.isTTY ? pc.red : (s: string) => s;
const dim = process.stderr.isTTY ? pc.dim : (s: string) => s;

/** Write one line to stderr with every URL password masked and commands named as invoked. */
function err(line: string): void {
  process.stderr.write(`${redactUrls(nameCommands(line))}\n`);
}

/** Print a TidemarkError for people on stderr; returns its exit code. */
function reportKnown(known: TidemarkError): number {
  err(red(`✖ ${known.message}`) + dim(` [${known.code}]`));
  const cause = known.cause instanceof Error ? known.cause.message : undefined;
  if (cause && !known.message.includes(cause)) err(dim(`  cause: ${cause}`));
  const backupFile = known.details.backupFile;
  // The engine usually names the restore point in the message already; never say it twice.
  if (typeof backupFile === "string" && !known.message.includes(backupFile)) {
    err(`  Restore point taken before the failure: ${backupFile}`);
    err(`  To go back to it: pnpm cli restore ${path.basename(backupFile)}`);
  }
  return known.exitCode;
}

/**
 * Print a thrown error the way its kind deserves and return the exit code. With `--json`,
 * stdout also gets one JSON error document, so a script reads the failure as it reads success.
 */
export function reportError(e: unknown, json: boolean): number {
  const helpOrVersion =
    isCommanderError(e) && (e.code === "commander.helpDisplayed" || e.code === "commander.version");
  if (json && !helpOrVersion) process.stdout.write(`${JSON.stringify(errorDocument(e), null, 2)}\n`);
  if (isCommanderError(e)) return helpOrVersion ? 0 : 2; // Commander printed its message already.
  const known = asTidemarkError(e);
  if (known) return reportKnown(known);
  // Anything else is a bug in tidemark: show everything, with passwords masked.
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  err(red("✖ Unexpected error (this is a bug in tidemark; please report it with the output below):"));
  err(detail);
  return 1;
}
