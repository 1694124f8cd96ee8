import path from "node:path";
import { type AdoptProgress, type AdoptReport, adopt, BASELINE_FILE } from "@tidemark/migrate";
import { createCliContext } from "../context.js";
import {
  color,
  formatDuration,
  heading,
  plural,
  print,
  printJson,
  success,
  table,
  warning,
} from "../output.js";

/** Options of `adopt`. */
interface AdoptFlags {
  check?: boolean;
  json?: boolean;
}

/** `[k/N] tag  12.3 s` on one rewritten stderr line while the proof walks the history. */
function terminalProgress(): { onProgress?: (e: AdoptProgress) => void; done: () => void } {
  if (!process.stderr.isTTY) return { done: () => {} };
  const t0 = performance.now();
  return {
    onProgress: (e) => {
      const elapsed = formatDuration(performance.now() - t0);
      const what = e.type === "draft" ? "Generating" : "Proving";
      process.stderr.write(
        `\r\x1b[2K${what} downs [${e.index + 1}/${e.total}] ${e.revision} ${color.dim(elapsed)}`,
      );
    },
    done: () => process.stderr.write("\r\x1b[2K"),
  };
}

function list(items: string[], max = 5): string {
  return items.length <= max
    ? items.join(", ")
    : `${items.slice(0, max).join(", ")} … (+${items.length - max})`;
}

/** What adopt found in the folder, one line per kind of finding. */
function printFindings(report: AdoptReport): void {
  heading(`${report.migrationsDir}: ${plural(report.migrations, "migration")}`);
  const rows: [string, string][] = [
    ["journal gaps (idx)", list(report.journalGaps.map(String))],
    ["stray .sql files (not in the journal, never run)", list(report.strayFiles)],
    ["missing snapshots", list(report.missingSnapshots)],
    ["run outside a transaction", list(report.outsideTransaction)],
    ["without a down file", list(report.withoutDown)],
  ];
  for (const [label, value] of rows) print(`  ${label}: ${value || color.dim("none")}`);
  const byKind = new Map<string, number>();
  for (const u of report.uncaptured) byKind.set(u.kind, (byKind.get(u.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${n} ${k.replace(/Stmt$/, "")}`).join(", ");
  print(
    `  statements the snapshots do not capture: ${report.uncaptured.length ? `${report.uncaptured.length} (${kinds})` : color.dim("none")}`,
  );
}

/** A table of the downs that need a human (all proven ones are one count), then the totals. */
function printSummary(report: AdoptReport): void {
  const proven = report.downs.filter((d) => d.proven);
  const marked = report.downs.filter((d) => !d.proven);
  print();
  table(
    ["result", "down files"],
    [
      [color.green("proven"), String(proven.length)],
      [color.yellow("unverified"), String(marked.length)],
    ],
  );
  if (marked.length > 0) {
    print();
    table(
      ["unverified down file", "why"],
      marked.map((d) => [path.basename(d.file), d.reason ?? ""]),
    );
  }
  print();
  success(
    `Wrote ${plural(report.downs.length, "down migration")} in ${formatDuration(report.durationMs)}: ${proven.length} proven on a scratch database, ${marked.length} marked unverified.`,
  );
  if (marked.length > 0) {
    warning(
      "Unverified downs start with `-- tidemark:unverified <reason>`; rollback refuses them unless --accept-unverified is given. Check each one, fix it, and delete that line.",
    );
  }
}

/** Report, write and prove; or with --check only say whether there is something to adopt. */
async function runAdopt(flags: AdoptFlags): Promise<void> {
  const cli = createCliContext();
  const progress = flags.check ? { done: () => {} } : terminalProgress();
  let report: AdoptReport;
  try {
    report = await adopt(cli.engine, {
      check: flags.check,
      onProgress: "onProgress" in progress ? progress.onProgress : undefined,
    });
  } finally {
    progress.done();
  }
  if (flags.check && report.withoutDown.length > 0) process.exitCode = 1;
  if (flags.json) {
    printJson(report);
    return;
  }
  printFindings(report);
  if (flags.check) {
    if (report.withoutDown.length === 0) success("Nothing to adopt: every SQL migration has a down file.");
    else
      print(
        `${color.yellow("⚠")} ${plural(report.withoutDown.length, "down migration")} to write: run pnpm cli adopt.`,
      );
    return;
  }
  if (report.downs.length === 0) {
    success(
      report.baselined > 0
        ? "Every SQL migration already has a down file; no down was written."
        : "Nothing to adopt: every SQL migration has a down file. Nothing was written.",
    );
  } else {
    printSummary(report);
  }
  if (report.baselined > 0) {
    print(
      `Recorded the lint findings of ${plural(report.baselined, "migration")} as accepted in ${BASELINE_FILE}: they ran before Tidemark and no longer block upgrade. Commit it.`,
    );
  }
}

/** The `adopt` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (flags: AdoptFlags) => runAdopt(flags);
