import type { FleetView } from "@tidemark/jobs";
import type { TargetStatus } from "@tidemark/migrate";
import { memo } from "../cache.js";
import { type FleetHandle, scrubSecrets } from "../fleet-handle.js";
import { timeout } from "./data.js";
import { type Html, html } from "./html.js";
import { age } from "./timeline.js";

/** Targets the page reads and lists at most; the rest are counted (GET /fleet/status lists them all). */
export const FLEET_ROWS_SHOWN = 50;
/** Targets read at once for the page. */
const PAGE_STATUS_CONCURRENCY = 8;
/** How long the page reuses the targets' status: every view would otherwise connect to 50 databases. */
const STATUS_TTL_MS = 5000;
/** The newest run comes from Redis, which may be down: the page must still render. */
const RUN_TIMEOUT_MS = 1000;
/** A slow target must not hold the page; the read goes on and the next view shows it. */
const TARGETS_TIMEOUT_MS = 3000;

/** The fleet section's data; a string is why that part is unavailable. */
export interface FleetCardData {
  /** The newest run, null when there is none. */
  run: FleetView | null | string;
  /** How many targets the fleet lists. */
  total: number | string;
  /** The first {@link FLEET_ROWS_SHOWN} targets' status; null for anonymous viewers. */
  rows: TargetStatus[] | string | null;
}

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Reads the fleet section, with the targets' status cached briefly and every part time-bounded. */
export function fleetSource(fleet: FleetHandle) {
  const firstRows = memo(async () => {
    const targets = await fleet.targets.get();
    const rows = await fleet.status(targets.slice(0, FLEET_ROWS_SHOWN), PAGE_STATUS_CONCURRENCY);
    return scrubSecrets(rows, fleet.secrets(targets));
  }, STATUS_TTL_MS);
  const newestRun = async () => {
    const [run] = await (await fleet.get()).list(1);
    return run ? scrubSecrets(run, fleet.secrets(await fleet.targets.get())) : null;
  };
  return async (signedIn: boolean): Promise<FleetCardData> => {
    const [run, total, rows] = await Promise.all([
      timeout(newestRun(), RUN_TIMEOUT_MS).catch(why),
      fleet.targets.get().then((t) => t.length, why),
      signedIn ? timeout(firstRows.get(), TARGETS_TIMEOUT_MS, "The targets").catch(why) : null,
    ]);
    return { run, total, rows };
  };
}

const FAILED_RUN = new Set(["halted", "incomplete", "cancelled"]);

/** The newest run: status, counts and waves for everyone; failed targets and errors when signed in. */
function runPart(run: FleetCardData["run"], signedIn: boolean): Html {
  if (typeof run === "string")
    return html`<p class="warn">Fleet runs unavailable${signedIn ? `: ${run}` : "."}</p>`;
  if (!run) return html`<p>No fleet runs yet.</p>`;
  const r = run.report;
  const tag = r.status === "completed" ? "status-ok" : FAILED_RUN.has(r.status) ? "status-failed" : "";
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(" · ");
  const failed = r.targets.filter((t) => t.status === "failed");
  return html`<p id="fleet-run"${signedIn ? html` data-fleet-id="${run.id}"` : ""} data-fleet-status="${r.status}"><strong>${r.action}</strong>
  <span class="tag ${tag}">${r.status}</span> · wave ${r.wavesStarted}/${r.waveCount} · started ${age(run.createdAt)}${run.resumes ? ` · resumed ${run.resumes}×` : ""}</p>
  <p id="fleet-counts">${counts || "no targets"}</p>
  ${signedIn && run.error ? html`<p class="error-text">${run.error.code}: ${run.error.message}</p>` : ""}${
    signedIn && failed.length
      ? html`<ul id="fleet-failed">${failed.map(
          (t) =>
            html`<li><code>${t.target}</code>: <span class="error-text">${t.error ? `${t.error.code}: ${t.error.message}` : "failed"}</span></li>`,
        )}</ul>`
      : ""
  }`;
}

function problem(row: TargetStatus): string {
  if (row.error) return `${row.error.code}: ${row.error.message}`;
  if (row.lastFailure) return `failed at ${row.lastFailure.revision}: ${row.lastFailure.error ?? "?"}`;
  if (row.drift && (row.drift.files > 0 || row.drift.schema === "drifted")) return "drift";
  return "";
}

/** The first targets' status for signed-in viewers, with how many more there are. */
function targetsPart(rows: FleetCardData["rows"], total: FleetCardData["total"]): Html | string {
  if (rows === null) return "";
  if (typeof rows === "string") return html`<p class="warn">Target status unavailable: ${rows}</p>`;
  const more =
    typeof total === "number" && total > rows.length
      ? html`<p class="muted" id="fleet-more">Showing the first ${rows.length} of ${total} targets; <code>GET /fleet/status</code> lists them all.</p>`
      : "";
  const body = rows.map(
    (
      r,
    ) => html`<tr data-target="${r.target}"${r.error ? html` class="state-fail"` : ""}><td><code>${r.target}</code></td>
  <td><code>${r.database}</code></td><td><code>${r.reachable ? (r.current ?? "nothing applied") : "unreachable"}</code></td>
  <td>${r.reachable ? r.pending : "-"}</td><td>${r.lockHolder ? `pid ${r.lockHolder.pid} (${r.lockHolder.applicationName || "?"})` : "free"}</td>
  <td class="error-text">${problem(r)}</td></tr>`,
  );
  return html`<h3>Targets</h3>${more}<div class="scroll"><table id="fleet-targets"><thead><tr><th>Target</th><th>Database</th><th>Revision</th><th>Pending</th><th>Lock</th><th>Problem</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The fleet section: anonymous viewers get the newest run's counts only, never target names or URLs. */
export function fleetCard(d: FleetCardData, signedIn: boolean): Html {
  const failing = typeof d.run === "object" && d.run !== null && FAILED_RUN.has(d.run.report.status);
  const total = typeof d.total === "number" ? `${d.total} target${d.total === 1 ? "" : "s"}` : "";
  return html`<section class="card${failing ? " state-fail" : ""}" id="fleet"><h2>Fleet <span class="muted">${total}</span></h2>
  ${typeof d.total === "string" ? html`<p class="warn">Targets unavailable${signedIn ? `: ${d.total}` : "."}</p>` : ""}
  <h3>Newest run</h3>${runPart(d.run, signedIn)}${targetsPart(d.rows, d.total)}</section>`;
}
