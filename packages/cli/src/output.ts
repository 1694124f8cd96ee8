import pc from "picocolors";

/** Colours for stdout; picocolors turns them off when stdout is not a TTY or NO_COLOR is set. */
export const color = pc;

/** True when stdout is a terminal: tables get colour, progress gets a spinner. */
export const stdoutIsTTY = Boolean(process.stdout.isTTY);

/** Print one line of human output on stdout. */
export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
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
