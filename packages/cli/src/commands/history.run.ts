import { type HistoryRow, history } from "@tidemark/migrate";
import { createCliContext } from "../context.js";
import { color, formatDuration, printJson, table } from "../output.js";

/** `cli@host`, `worker job 42`: who ran a history row. */
function who(appliedBy: Record<string, unknown>): string {
  const via = typeof appliedBy.via === "string" ? appliedBy.via : "?";
  if (appliedBy.jobId != null) return `${via} job ${String(appliedBy.jobId)}`;
  return typeof appliedBy.host === "string" ? `${via}@${appliedBy.host}` : via;
}

/** The last column: the error of a failed row, else the restore point taken for it. */
function note(row: HistoryRow): string {
  if (row.status === "failed") return color.red(row.error ?? "failed");
  return row.backupFile ? color.dim(`restore point ${row.backupFile}`) : "";
}

/** The `history` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (opts: { json?: boolean; limit: number }) => {
  const rows = await history(createCliContext().engine, { limit: opts.limit });
  if (opts.json) {
    printJson(rows);
    return;
  }
  table(
    ["STARTED", "REVISION", "DIR", "STATUS", "TOOK", "BY", "NOTE"],
    rows.map((r) => [
      r.startedAt,
      r.revision,
      r.direction,
      r.status === "ok" ? color.green("ok") : color.red(r.status),
      formatDuration(r.durationMs),
      who(r.appliedBy),
      note(r),
    ]),
    "",
  );
};
