import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { EngineContext, Migration } from "../types.js";
import { type DownDraft, downText, draftDowns } from "./generate.js";
import { type ProofResult, proveDowns } from "./prove.js";
import { surveyFolder } from "./survey.js";

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
  downs: AdoptedDown[];
  /** False with `check`: nothing was written. */
  wrote: boolean;
  durationMs: number;
}

/** Progress of the proof walk, for a terminal counter. */
export type AdoptProgress = { type: "prove"; index: number; total: number; revision: string };

/** Options of {@link adopt}. */
export interface AdoptOptions {
  /** Report what would be done; write nothing. */
  check?: boolean;
  onProgress?: (event: AdoptProgress) => void;
  /**
   * Called after the downs are written (not with `check`), so the caller can record the lint
   * findings of the adopted history as accepted: `adopt` accepts the past as it is.
   */
  writeLintBaseline?: (input: { migrationsDir: string; migrations: Migration[] }) => Promise<void>;
}

function verdict(draft: DownDraft, proof: ProofResult | undefined): string | null {
  const reasons = [...draft.reasons];
  if (proof && !proof.proven) reasons.push(proof.reason);
  if (!proof) reasons.push("not checked");
  return reasons.length > 0 ? reasons.join("; ") : null;
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
  const report: AdoptReport = {
    migrationsDir: ctx.migrationsDir,
    migrations: list.length,
    journalGaps: survey.journalGaps,
    strayFiles: survey.strayFiles,
    missingSnapshots: survey.missingSnapshots,
    outsideTransaction: list.filter((m) => m.outsideTransaction).map((m) => m.migration.tag),
    withoutDown,
    uncaptured: [],
    downs: [],
    wrote: false,
    durationMs: 0,
  };
  const { drafts, uncaptured } = await draftDowns(list, new Set(withoutDown));
  report.uncaptured = uncaptured;
  const byTag = new Map(drafts.map((d) => [d.revision, d]));
  const proofs =
    options.check || drafts.length === 0
      ? new Map<string, ProofResult>()
      : await proveDowns(
          list.map((m) => {
            const draft = byTag.get(m.migration.tag);
            return {
              tag: m.migration.tag,
              kind: m.migration.kind,
              up: m.up,
              down: draft ? downText(draft, null) : undefined,
            };
          }),
          {
            serverUrl: ctx.databaseUrl,
            environment: ctx.environment,
            onStep: (index, revision) =>
              options.onProgress?.({ type: "prove", index, total: list.length, revision }),
          },
        );
  for (const draft of drafts) {
    const file = path.join(ctx.migrationsDir, `${draft.revision}.down.sql`);
    const reason = options.check ? null : verdict(draft, proofs.get(draft.revision));
    if (!options.check) await writeFile(file, downText(draft, reason), { flag: "wx" });
    report.downs.push({
      revision: draft.revision,
      file,
      proven: !options.check && reason === null,
      ...(reason ? { reason } : {}),
      statements: draft.statements.length,
    });
  }
  if (!options.check) {
    report.wrote = drafts.length > 0;
    await options.writeLintBaseline?.({
      migrationsDir: ctx.migrationsDir,
      migrations: list.map((m) => m.migration),
    });
  }
  report.durationMs = Math.round(performance.now() - t0);
  return report;
}
