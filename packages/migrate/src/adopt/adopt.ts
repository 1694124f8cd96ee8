import { writeFile } from "node:fs/promises";
import path from "node:path";
import { TidemarkError } from "../errors.js";
import { acceptFindings, applyBaseline, readBaseline } from "../lint/baseline.js";
import { lintMigrations } from "../lint/index.js";
import type { EngineContext, Migration } from "../types.js";
import { type DownDraft, downText, draftDowns } from "./generate.js";
import { type ProofResult, type ProofStep, proveDowns } from "./prove.js";
import { type SurveyedMigration, surveyFolder } from "./survey.js";

/** A down migration `adopt` wrote (or, with `check`, would write). */
export interface AdoptedDown {
  revision: string;
  file: string;
  /** True when the scratch-database proof restored the previous schema exactly. */
  proven: boolean;
  /** Why the down is marked unverified (its first line says the same). */
  reason?: string;
  statements: number;
}

/** A statement of an up file that the snapshots do not capture. */
export interface UncapturedReport {
  revision: string;
  kind: string;
  line: number;
  summary: string;
}

/** What `adopt` found and did. */
export interface AdoptReport {
  migrationsDir: string;
  migrations: number;
  journalGaps: number[];
  strayFiles: string[];
  missingSnapshots: string[];
  /** Migrations that run outside a single transaction (COMMIT, CONCURRENTLY, CALL…). */
  outsideTransaction: string[];
  /** SQL migrations that had no `.down.sql` when `adopt` started. */
  withoutDown: string[];
  uncaptured: UncapturedReport[];
  /** Downs written by this run (none with `check`: see `withoutDown`). */
  downs: AdoptedDown[];
  /** Migrations whose lint findings were recorded as accepted in the lint baseline by this run. */
  baselined: number;
  /** False with `check`: nothing was written. */
  wrote: boolean;
  durationMs: number;
}

/** Progress while downs are drafted (reverse diffs), then proven, for a terminal counter. */
export type AdoptProgress = { type: "draft" | "prove"; index: number; total: number; revision: string };

/** Options of {@link adopt}. */
export interface AdoptOptions {
  /** Report what would be done; write nothing. */
  check?: boolean;
  onProgress?: (event: AdoptProgress) => void;
}

/**
 * Record the lint findings of the adopted history as accepted: those migrations ran in
 * production long ago, so their findings must not block every upgrade from now on.
 */
async function acceptHistory(dir: string, migrations: Migration[]): Promise<number> {
  // Only findings not accepted yet, so a second adopt records (and reports) nothing.
  const report = applyBaseline(await lintMigrations(migrations), await readBaseline(dir), migrations);
  return (await acceptFindings(dir, report.findings)).length;
}

function verdict(draft: DownDraft, proof: ProofResult | undefined): string | null {
  const reasons = [...draft.reasons];
  if (proof && !proof.proven) reasons.push(...(draft.hint ? [draft.hint] : []), proof.reason);
  if (!proof) reasons.push("not checked");
  return reasons.length > 0 ? reasons.join("; ") : null;
}

function proofSteps(list: SurveyedMigration[], drafts: DownDraft[]): ProofStep[] {
  const byTag = new Map(drafts.map((d) => [d.revision, d]));
  return list.map((m) => {
    const draft = byTag.get(m.migration.tag);
    return {
      tag: m.migration.tag,
      kind: m.migration.kind,
      up: m.up,
      upOutside: m.outsideTransaction,
      down: draft ? downText(draft, null) : undefined,
    };
  });
}

/** Write each down with its verdict; never over an existing file. */
async function writeDowns(
  dir: string,
  drafts: DownDraft[],
  proofs: Map<string, ProofResult>,
): Promise<AdoptedDown[]> {
  const out: AdoptedDown[] = [];
  for (const draft of drafts) {
    const file = path.join(dir, `${draft.revision}.down.sql`);
    const reason = verdict(draft, proofs.get(draft.revision));
    try {
      await writeFile(file, downText(draft, reason), { flag: "wx" });
    } catch (cause) {
      if ((cause as { code?: string }).code !== "EEXIST") throw cause;
      throw new TidemarkError(
        "TM_CONFLICT",
        `${file} appeared while adopt was running (a second adopt, or an editor?). It was left as it is; run adopt again: it keeps every down file that exists and writes the rest.`,
        { cause, details: { file, written: out.map((d) => d.file) } },
      );
    }
    const down: AdoptedDown = {
      revision: draft.revision,
      file,
      proven: reason === null,
      statements: draft.statements.length,
    };
    if (reason) down.reason = reason;
    out.push(down);
  }
  return out;
}

/**
 * Adopt an existing drizzle-kit folder: report what is in it and write a proven `.down.sql` for
 * every SQL migration that lacks one. Existing files are never modified; a second run finds
 * nothing to do. Unprovable downs are written with an `-- tidemark:unverified` first line.
 */
export async function adopt(ctx: EngineContext, options: AdoptOptions = {}): Promise<AdoptReport> {
  const t0 = performance.now();
  const survey = await surveyFolder(ctx.migrationsDir);
  const list = survey.migrations;
  const withoutDown = list
    .filter((m) => m.migration.kind === "sql" && !m.migration.downFile)
    .map((m) => m.migration.tag);
  // --check only reports: no reverse diffs, no proof.
  const { drafts, uncaptured } = await draftDowns(
    list,
    new Set(options.check ? [] : withoutDown),
    (index, revision) => options.onProgress?.({ type: "draft", index, total: list.length, revision }),
  );
  const report: AdoptReport = {
    migrationsDir: ctx.migrationsDir,
    migrations: list.length,
    journalGaps: survey.journalGaps,
    strayFiles: survey.strayFiles,
    missingSnapshots: survey.missingSnapshots,
    outsideTransaction: list.filter((m) => m.outsideTransaction).map((m) => m.migration.tag),
    withoutDown,
    uncaptured,
    downs: [],
    baselined: 0,
    wrote: false,
    durationMs: 0,
  };
  if (!options.check) {
    const proofs = await proveDowns(proofSteps(list, drafts), {
      serverUrl: ctx.databaseUrl,
      environment: ctx.environment,
      onStep: (index, revision) =>
        options.onProgress?.({ type: "prove", index, total: list.length, revision }),
    });
    report.downs = await writeDowns(ctx.migrationsDir, drafts, proofs);
    report.wrote = report.downs.length > 0;
    report.baselined = await acceptHistory(
      ctx.migrationsDir,
      list.map((m) => m.migration),
    );
  }
  report.durationMs = Math.round(performance.now() - t0);
  return report;
}
