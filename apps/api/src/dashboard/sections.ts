import type { DashboardData, PendingDetail } from "./data.js";
import { type Html, html } from "./html.js";

const DOWN_TEXT: Record<PendingDetail["down"], string> = {
  proven: "down file present",
  unverified: "down unverified",
  missing: "no down file",
  "in-code": "down in the TypeScript migration",
};

/** Pending migrations, each expandable to its SQL, lint findings and down. */
export function pendingCard(d: DashboardData): Html {
  if (d.core.pending.length === 0) return html``;
  const findings = d.core.lint?.findings ?? [];
  const items = d.pending.map((p) => {
    const mine = findings.filter((f) => f.file.endsWith(`${p.revision}.sql`));
    return html`<li><details class="migration" data-revision="${p.revision}">
  <summary><code>${p.revision}</code> <span class="tag down-${p.down}">${DOWN_TEXT[p.down]}</span>
  ${mine.length ? html`<span class="tag warn">${mine.length} lint finding${mine.length === 1 ? "" : "s"}</span>` : ""}</summary>
  ${p.unverifiedReason ? html`<p class="warn">Down unverified: ${p.unverifiedReason}</p>` : ""}
  ${mine.length ? html`<ul class="lint">${mine.map((f) => html`<li class="sev-${f.severity}"><strong>${f.rule}</strong> (line ${f.line}): ${f.message}</li>`)}</ul>` : ""}
  <pre class="sql"><code>${p.sql}</code></pre></details></li>`;
  });
  const lintError = d.core.lintError ? html`<p class="warn">Lint could not run: ${d.core.lintError}</p>` : "";
  return html`<section class="card state-pending" id="pending"><h2>Pending migrations (${d.core.pending.length})</h2>
  ${lintError}<ol class="pending">${items}</ol></section>`;
}

/** Failures, drift, changed applied files and late merges: first, in red, each with what to do. */
export function problemsCard(d: DashboardData): Html {
  const c = d.core;
  const out: Html[] = [];
  if (c.lastFailure) {
    out.push(html`<div class="problem" id="last-failure"><h3>Migration <code>${c.lastFailure.revision}</code> (${c.lastFailure.direction}) failed</h3>
    <p>At ${c.lastFailure.startedAt}. Nothing of it was kept.</p>
    <pre class="error-text">${c.lastFailure.error ?? "(no message recorded)"}</pre>
    ${d.failedStatement ? html`<p>The statement at line ${d.failedStatement.line}, as the file reads now:</p><pre class="sql failed-statement"><code>${d.failedStatement.sql}</code></pre>` : ""}
    <p class="todo">Fix the migration file (or the data it trips on) and run the upgrade again.</p></div>`);
  }
  for (const item of c.drift) {
    out.push(html`<div class="problem"><h3>Applied migration <code>${item.revision}</code> ${item.kind === "changed" ? "was changed on disk" : "is missing on disk"}</h3>
    <p class="todo">Restore the file as it was applied (checksum <code>${item.appliedChecksum.slice(0, 12)}</code>) and write a new migration for the change.</p></div>`);
  }
  if (c.late.length) {
    out.push(html`<div class="problem"><h3>Late merge: ${c.late.map((t) => html`<code>${t}</code> `)}</h3>
    <p class="todo">These are older than the newest applied migration. Check they do not conflict with it, then run the upgrade (they apply in journal order).</p></div>`);
  }
  if (c.schemaDrift?.state === "drifted") {
    out.push(html`<div class="problem"><h3>Schema changed outside migrations</h3><p>${c.schemaDrift.summary}</p>
    <ul>${c.schemaDrift.changes.map((ch) => html`<li>${ch.change} ${ch.kind} <code>${ch.name}</code></li>`)}</ul>
    <p class="todo">Capture the change in a migration, or undo it by hand.</p></div>`);
  }
  if (c.invalidIndexes.length) {
    out.push(html`<div class="problem"><h3>Invalid indexes: ${c.invalidIndexes.join(", ")}</h3>
    <p class="todo">Left by an interrupted CREATE INDEX CONCURRENTLY: drop and recreate them.</p></div>`);
  }
  if (out.length === 0) return html``;
  return html`<section class="card state-fail" id="problems"><h2>Needs attention</h2>${out}</section>`;
}

/** Tables and columns with the planner's row estimates. */
export function tablesCard(d: DashboardData): Html {
  if (d.core.tables.length === 0)
    return html`<section class="card" id="tables"><h2>Tables</h2><p>No tables yet.</p></section>`;
  const rows = (key: string) => {
    const n = d.rows.get(key);
    return n === undefined || n < 0 ? "not analyzed yet" : `~${Math.round(n).toLocaleString("en")} rows`;
  };
  return html`<section class="card" id="tables"><h2>Tables</h2>${d.core.tables.map(
    (
      t,
    ) => html`<details class="table"><summary><code>${t.schema}.${t.name}</code> <span class="muted">${rows(`${t.schema}.${t.name}`)}</span></summary>
    <table><thead><tr><th>Column</th><th>Type</th><th>Null</th><th>Default</th></tr></thead><tbody>
    ${t.columns.map((c) => html`<tr><td><code>${c.name}</code></td><td>${c.type}</td><td>${c.nullable ? "yes" : "no"}</td><td>${c.default ?? ""}</td></tr>`)}
    </tbody></table></details>`,
  )}</section>`;
}
