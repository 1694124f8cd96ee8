import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LintFinding, LintReport, Migration } from "@tidemark/migrate";

/**
 * Lint verdicts of migrations already judged, so `upgrade` does not parse the same files on
 * every deploy. A migration's findings depend on the migrations before it (the lint tracks
 * which tables exist), so a verdict is keyed by the checksums of the migration and of every
 * one before it, the folder, and the engine's lint code: any change there is a miss.
 */
export interface LintCache {
  /** The report for `revisions` from recorded verdicts, or null unless every one is recorded. */
  lookup(revisions: string[]): LintReport | null;
  /** Record the verdicts of `revisions` found in `report` (a lint of exactly those). */
  store(report: LintReport, revisions: string[]): Promise<void>;
}

type Verdict = { findings: LintFinding[]; suppressed: LintFinding[] };

/** The cache file, in `node_modules/.cache` of the working directory (none without one). */
function cacheFile(cwd: string): string | null {
  const modules = path.join(cwd, "node_modules");
  return existsSync(modules) ? path.join(modules, ".cache", "tidemark", "lint-verdicts.json") : null;
}

let engineStamp: Promise<string> | undefined;

/** A hash of the engine's lint code: a rule that changed must judge every file again. */
function lintCodeStamp(): Promise<string> {
  engineStamp ??= (async () => {
    const dir = path.dirname(fileURLToPath(import.meta.resolve("@tidemark/migrate/modules/lint/lint")));
    const hash = createHash("sha256");
    for (const name of (await readdir(dir)).filter((f) => f.endsWith(".js")).sort()) {
      hash.update(name).update(await readFile(path.join(dir, name)));
    }
    return hash.digest("hex");
  })();
  return engineStamp;
}

/** Keys of every migration: its checksum chained after those of the migrations before it. */
async function chainKeys(dir: string, migrations: Migration[]): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  let chain = createHash("sha256")
    .update(await lintCodeStamp())
    .update(path.resolve(dir))
    .digest("hex");
  for (const m of migrations) {
    chain = createHash("sha256").update(chain).update(m.tag).update(m.checksum).digest("hex");
    keys.set(m.tag, chain);
  }
  return keys;
}

/** Open the verdict cache of `migrations` in `dir`; an unreadable cache is an empty one. */
export async function openLintCache(
  dir: string,
  migrations: Migration[],
  cwd = process.cwd(),
): Promise<LintCache> {
  const file = cacheFile(cwd);
  const keys = await chainKeys(dir, migrations);
  let recorded: Record<string, Verdict> = {};
  if (file) {
    try {
      recorded = JSON.parse(await readFile(file, "utf8")) as Record<string, Verdict>;
    } catch {
      // Missing or damaged: judge the files again and write a fresh one.
    }
  }
  return {
    lookup(revisions) {
      const verdicts = revisions.map((r) => recorded[keys.get(r) ?? ""]);
      if (verdicts.some((v) => v === undefined)) return null;
      const findings = verdicts.flatMap((v) => (v as Verdict).findings);
      const suppressed = verdicts.flatMap((v) => (v as Verdict).suppressed);
      const errors = findings.filter((f) => f.severity === "error").length;
      return { findings, suppressed, errors, warnings: findings.length - errors };
    },
    async store(report, revisions) {
      if (!file) return;
      const of = (list: LintFinding[], tag: string) => list.filter((f) => f.revision === tag);
      for (const tag of revisions) {
        const key = keys.get(tag);
        if (key)
          recorded[key] = { findings: of(report.findings, tag), suppressed: of(report.suppressed, tag) };
      }
      // Only verdicts of the current files are kept, so the file does not grow forever.
      const current = new Set(keys.values());
      const kept = Object.fromEntries(Object.entries(recorded).filter(([k]) => current.has(k)));
      await mkdir(path.dirname(file), { recursive: true });
      // Written whole and renamed into place: two deploys at once never leave half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(kept));
      await rename(tmp, file);
    },
  };
}
