import { countTargets, fleetStatus, type TargetStatus } from "@tidemark/migrate";
import { createCliContext } from "../context.js";
import { loadFleetTargets } from "../fleet-targets.js";
import { color, plural, print, printJson, rev, table } from "../output.js";

function drift(row: TargetStatus): string {
  if (!row.drift) return "-";
  const parts = [];
  if (row.drift.files) parts.push(color.red(`${plural(row.drift.files, "file")} changed`));
  if (row.drift.schema && row.drift.schema !== "clean") {
    parts.push(row.drift.schema === "drifted" ? color.red("schema drifted") : `schema ${row.drift.schema}`);
  }
  return parts.join(", ") || "clean";
}

function note(row: TargetStatus): string {
  if (row.error) return color.red(`${row.error.code}: ${row.error.message}`);
  if (row.lastFailure)
    return color.red(`failed at ${row.lastFailure.revision}: ${row.lastFailure.error ?? "?"}`);
  return "";
}

/** `fleet status`: every target read concurrently; exit 1 when any could not be read. */
export const action = async (opts: { json?: boolean; concurrency: number }) => {
  const targets = await loadFleetTargets();
  const cli = createCliContext();
  const rows = await fleetStatus(targets, cli.config.engine, cli.logger, opts.concurrency);
  if (rows.some((r) => r.error)) process.exitCode = 1;
  if (opts.json) {
    printJson(rows);
    return;
  }
  table(
    ["TARGET", "DATABASE", "REVISION", "PENDING", "DRIFT", "LOCK", "PROBLEM"],
    rows.map((r) => [
      r.target,
      r.database,
      r.reachable ? rev(r.current) : color.red("unreachable"),
      r.reachable ? (r.pending ? color.yellow(String(r.pending)) : "0") : "-",
      drift(r),
      r.lockHolder ? `pid ${r.lockHolder.pid} (${r.lockHolder.applicationName || "?"})` : "-",
      note(r),
    ]),
    "",
  );
  const c = countTargets(rows);
  print(
    `\n${plural(c.targets, "target")}: ${c.upToDate} up to date, ${c.behind} behind, ${c.unreadable} unreadable.`,
  );
};
