import path from "node:path";
import type { DashboardData } from "./data.js";
import { type Html, html } from "./html.js";

/** "3 min ago" style ages, for a glance. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function who(by: Record<string, unknown>): string {
  const parts = [by.user, by.host, by.via].filter((v): v is string => typeof v === "string");
  return parts.join(" @ ") || "unknown";
}

/** The history as a timeline, newest first, failures in red with their statement. */
export function historyCard(d: DashboardData): Html {
  if (typeof d.history === "string") {
    return html`<section class="card"><h2>History</h2><p class="warn">Unavailable: ${d.history}</p></section>`;
  }
  const items = d.history.map(
    (r) => html`<li class="event ${r.status === "failed" ? "state-fail" : ""}" data-history-id="${r.id}">
  <div><strong>${r.direction}</strong> <code>${r.revision}</code> <span class="tag status-${r.status}">${r.status}</span></div>
  <div class="muted">${r.startedAt} (${age(r.startedAt)}) · ${r.durationMs === null ? "unfinished" : `${r.durationMs} ms`} · by ${who(r.appliedBy)} · ${r.environment}</div>
  ${r.backupFile ? html`<div class="restore-point">${r.direction === "restore" ? "Safety backup taken first" : "Restore point"}: <code>${path.basename(r.backupFile)}</code></div>` : ""}
  ${r.error ? html`<pre class="error-text">${r.error}</pre>` : ""}</li>`,
  );
  return html`<section class="card" id="history"><h2>History</h2>${
    items.length ? html`<ol class="timeline">${items}</ol>` : html`<p>Nothing has run yet.</p>`
  }</section>`;
}

function progressText(progress: unknown, state: string): string {
  const e = progress as { type?: string; index?: number; total?: number } | null;
  if (!e || typeof e.index !== "number" || typeof e.total !== "number") return "";
  const k = `${e.index + 1}/${e.total}`;
  if (e.type === "step-done") return `${k} done`;
  // The last event of a failed job is the start of the step that failed.
  return state === "failed" ? `stopped at ${k}` : `${k} running`;
}

/** Queued, running and finished jobs; the script updates the progress cells live. */
export function jobsCard(d: DashboardData): Html {
  if (typeof d.jobs === "string") {
    return html`<section class="card" id="jobs"><h2>Jobs</h2><p class="warn">Queue unavailable: ${d.jobs}</p></section>`;
  }
  const rows = d.jobs.map(
    (j) => html`<tr data-job-id="${j.id}" class="job-${j.state}"><td>${j.name}</td>
  <td class="job-state">${j.state}</td><td class="progress">${progressText(j.progress, j.state)}</td>
  <td>${age(j.createdAt)}</td><td class="job-error">${j.failedReason ? html`<span class="error-text">${j.failedReason}</span>` : ""}</td></tr>`,
  );
  return html`<section class="card" id="jobs"><h2>Jobs <span class="live muted" aria-live="polite"></span></h2>${
    rows.length
      ? html`<div class="scroll"><table><thead><tr><th>Job</th><th>State</th><th>Progress</th><th>Queued</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<p>No recent jobs.</p>`
  }</section>`;
}

/** Backups and restore points with revision, size, age and source database. */
export function backupsCard(d: DashboardData): Html {
  if (typeof d.backups === "string") {
    return html`<section class="card" id="backups"><h2>Backups</h2><p class="muted">${d.backups}</p></section>`;
  }
  const rows = d.backups.map(
    (
      b,
    ) => html`<tr><td><code>${b.name}</code></td><td>${b.reason ?? "manual"}</td><td><code>${b.revision ?? "none"}</code></td>
  <td>${size(b.size)}</td><td>${age(b.createdAt)}</td><td>${b.database}</td></tr>`,
  );
  return html`<section class="card" id="backups"><h2>Backups</h2>${
    rows.length
      ? html`<div class="scroll"><table><thead><tr><th>File</th><th>Why</th><th>Revision</th><th>Size</th><th>Age</th><th>Source</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<p>No backups yet.</p>`
  }</section>`;
}
