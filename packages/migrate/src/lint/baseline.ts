import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { TidemarkError } from "../errors.js";
import { readMigrations } from "../journal.js";
import type { Migration } from "../types.js";
import type { LintFinding, LintReport } from "./types.js";

/**
 * Name of the lint baseline inside the migrations folder. It records findings a person
 * accepted (through `adopt`, or a rename or drop confirmed in `create`), keyed by the sha256 of
 * the migration file: editing a file drops its entry, so a changed file is checked again.
 */
export const BASELINE_FILE = "tidemark.lint-baseline.json";

/** The accepted rules of one migration file, as it was when they were accepted. */
export interface BaselineEntry {
  /** Journal tag, for people reading the file; the checksum is what matches. */
  revision: string;
  /** sha256 of the up file, as the engine and drizzle-orm compute it. */
  checksum: string;
  /** Rule codes accepted in that file. */
  rules: string[];
}

/** The lint baseline of a migrations folder. */
export interface LintBaseline {
  entries: BaselineEntry[];
}

const NOTE =
  "Lint findings accepted on purpose (tidemark adopt, create). Keyed by the sha256 of each migration file: an edited file loses its entry and is linted again.";

/** Path of the baseline file of a migrations folder. */
export function baselinePath(dir: string): string {
  return path.join(dir, BASELINE_FILE);
}

function invalid(file: string, problem: string, cause?: unknown): TidemarkError {
  return new TidemarkError(
    "TM_LINT_BASELINE_INVALID",
    `${file} ${problem}; restore it from version control, or delete it to lint every finding again.`,
    { cause, details: { file } },
  );
}

/** Read the baseline of `dir`; a folder without one has an empty baseline. */
export async function readBaseline(dir: string): Promise<LintBaseline> {
  const file = baselinePath(dir);
  if (!existsSync(file)) return { entries: [] };
  let parsed: { entries?: unknown };
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as { entries?: unknown };
  } catch (cause) {
    throw invalid(file, "is not valid JSON", cause);
  }
  const entries = parsed.entries;
  const valid = (e: Partial<BaselineEntry>) =>
    typeof e?.revision === "string" &&
    typeof e.checksum === "string" &&
    Array.isArray(e.rules) &&
    e.rules.every((r) => typeof r === "string");
  if (!Array.isArray(entries) || !entries.every(valid)) {
    throw invalid(file, 'needs an "entries" array of { revision, checksum, rules }');
  }
  return { entries: entries as BaselineEntry[] };
}

/** True when `rule` is accepted for the migration file whose checksum is `checksum`. */
export function isBaselined(baseline: LintBaseline, checksum: string, rule: string): boolean {
  return baseline.entries.some((e) => e.checksum === checksum && e.rules.includes(rule));
}

function migrationOf(migrations: Migration[], f: LintFinding): Migration | undefined {
  return migrations.find((m) => (f.revision !== undefined ? m.tag === f.revision : m.file === f.file));
}

/**
 * Move the findings the baseline accepts from `findings` to `baselined`, and count again.
 * `migrations` gives each finding's file checksum (the history the report was linted from).
 */
export function applyBaseline(
  report: LintReport,
  baseline: LintBaseline,
  migrations: Migration[],
): LintReport {
  const accepted = (f: LintFinding) => {
    const m = migrationOf(migrations, f);
    return m !== undefined && isBaselined(baseline, m.checksum, f.rule);
  };
  const findings = report.findings.filter((f) => !accepted(f));
  const baselined = [...(report.baselined ?? []), ...report.findings.filter(accepted)];
  const errors = findings.filter((f) => f.severity === "error").length;
  return { ...report, findings, baselined, errors, warnings: findings.length - errors };
}

/**
 * Record `findings` as accepted in the baseline of `dir` (creating the file), keyed by each
 * migration's current checksum. Entries of files that changed or left the journal are dropped,
 * so nothing is accepted for content nobody saw. Returns the entries written for `findings`.
 */
export async function acceptFindings(dir: string, findings: LintFinding[]): Promise<BaselineEntry[]> {
  const migrations = await readMigrations(dir);
  const current = new Set(migrations.map((m) => `${m.tag} ${m.checksum}`));
  const kept = (await readBaseline(dir)).entries.filter((e) => current.has(`${e.revision} ${e.checksum}`));
  const touched = new Map<string, BaselineEntry>();
  for (const f of findings) {
    const m = migrationOf(migrations, f);
    if (!m) continue;
    const entry = touched.get(m.tag) ??
      kept.find((e) => e.checksum === m.checksum && e.revision === m.tag) ?? {
        revision: m.tag,
        checksum: m.checksum,
        rules: [],
      };
    if (!entry.rules.includes(f.rule)) entry.rules = [...entry.rules, f.rule].sort();
    touched.set(m.tag, entry);
  }
  if (touched.size === 0) return [];
  const entries = [...kept.filter((e) => !touched.has(e.revision)), ...touched.values()].sort((a, b) =>
    a.revision.localeCompare(b.revision),
  );
  const file = baselinePath(dir);
  const temp = `${file}.${process.pid}.tmp`;
  // Written whole and renamed into place: a crash never leaves half a baseline.
  await writeFile(temp, `${JSON.stringify({ note: NOTE, entries }, null, 2)}\n`);
  await rename(temp, file);
  return [...touched.values()];
}
