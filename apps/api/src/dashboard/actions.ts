import path from "node:path";
import { type EngineContext, listBackups, previewRollback } from "@tidemark/migrate";
import type { DashboardData } from "./data.js";
import { type Html, html } from "./html.js";

/** The dashboard's actions: each is one job of the queue contract. */
export const ACTIONS = ["upgrade", "rollback", "backup", "restore"] as const;
/** One of {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/** Actions that can lose data: confirming them needs the database name typed in. */
export const DESTRUCTIVE: ReadonlySet<Action> = new Set<Action>(["rollback", "restore"]);

/** True for a known action name. */
export function isAction(name: string): name is Action {
  return (ACTIONS as readonly string[]).includes(name);
}

/** The admin's buttons; each only opens a confirmation page (GET has no side effect). */
export function actionsCard(d: DashboardData): Html {
  const applied = d.core.applied.map((a) => a.revision).filter((r): r is string => r !== null);
  const targets = applied.slice(0, -1).reverse();
  const backups = typeof d.backups === "string" ? [] : d.backups;
  return html`<section class="card" id="actions"><h2>Actions</h2><div class="actions">
  <form method="get" action="/migrations/confirm/upgrade"><button type="submit" class="primary">Upgrade…</button></form>
  <form method="get" action="/migrations/confirm/rollback"><label for="rb-to">Roll back to</label>
    <select id="rb-to" name="to"><option value="prev">previous revision</option>
    ${targets.map((t) => html`<option value="${t}">${t}</option>`)}<option value="base">base (undo everything)</option></select>
    <button type="submit">Roll back…</button></form>
  <form method="get" action="/migrations/confirm/backup"><button type="submit">Back up…</button></form>
  ${
    backups.length
      ? html`<form method="get" action="/migrations/confirm/restore"><label for="rs-file">Restore</label>
    <select id="rs-file" name="file">${backups.map((b) => html`<option value="${b.name}">${b.name}</option>`)}</select>
    <button type="submit">Restore…</button></form>`
      : ""
  }</div></section>`;
}

/** A confirmation's plan and the hidden fields its POST carries. */
export interface Plan {
  title: string;
  body: Html;
  fields: Record<string, string>;
  /** False when the engine already refuses it (e.g. a missing down); no button then. */
  runnable: boolean;
}

/** The same plan the CLI prints before it asks: what runs, what is lost, which restore point. */
export async function planOf(
  action: Action,
  query: Record<string, string | undefined>,
  ctx: EngineContext,
  d: DashboardData,
): Promise<Plan> {
  if (action === "upgrade") {
    const list = d.core.pending;
    const findings = d.core.lint?.findings ?? [];
    return {
      title: "Upgrade",
      runnable: list.length > 0,
      fields: {},
      body: list.length
        ? html`<p>Applies ${list.length} migration${list.length === 1 ? "" : "s"}, in order:</p><ol>${list.map((t) => html`<li><code>${t}</code></li>`)}</ol>
        ${findings.length ? html`<p class="warn">Lint: ${findings.map((f) => html`<br><strong>${f.rule}</strong> ${f.message}`)}</p>` : ""}`
        : html`<p>Nothing to apply: the database is up to date.</p>`,
    };
  }
  if (action === "rollback") {
    const to = query.to ?? "prev";
    const p = await previewRollback(ctx, to);
    return {
      title: `Roll back to ${to}`,
      runnable: !p.refusal && p.steps.length > 0,
      fields: { to },
      body: html`<p>From <code>${p.from ?? "nothing"}</code> to <code>${p.to ?? "base"}</code>; runs these downs, newest first:</p>
      <ol>${p.steps.map((s) => html`<li><code>${s.tag}</code></li>`)}</ol>
      ${p.losses.length ? html`<div class="problem"><h3>Data lost</h3><ul>${p.losses.map((l) => html`<li>${l.kind} <code>${l.column ? `${l.table}.${l.column}` : l.table}</code>${l.rows === null ? "" : ` (${l.rows} rows)`}</li>`)}</ul></div>` : html`<p>No table or column with data is dropped.</p>`}
      ${p.refusal ? html`<p class="error" role="alert">${p.refusal.message}</p>` : html`<p>A restore point (pg_dump) is taken into BACKUP_DIR first; it is the way back.</p>`}`,
    };
  }
  if (action === "backup") {
    return {
      title: "Back up",
      runnable: true,
      fields: {},
      body: html`<p>Takes a pg_dump of <code>${d.db.name}</code> at <code>${d.core.current ?? "no revision"}</code> into BACKUP_DIR. Nothing in the database changes.</p>`,
    };
  }
  const file = path.basename(query.file ?? "");
  const found = ctx.backupDir ? (await listBackups(ctx.backupDir)).find((b) => b.name === file) : undefined;
  return {
    title: `Restore ${file}`,
    runnable: found !== undefined,
    fields: { file },
    body: found
      ? html`<p>Replaces the contents of <code>${d.db.name}</code> (now at <code>${d.core.current ?? "no revision"}</code>) with the dump of <code>${found.database}</code> taken ${found.createdAt} at revision <code>${found.revision ?? "none"}</code>.</p>
      <p>A safety backup is taken first; it is the way back.</p>`
      : html`<p class="error" role="alert">No backup named ${file} in BACKUP_DIR.</p>`,
  };
}

/** The confirmation page; destructive actions need the database name typed in. */
export function confirmBody(
  action: Action,
  plan: Plan,
  dbName: string,
  csrf: string,
  error: string | null,
): Html {
  const destructive = DESTRUCTIVE.has(action);
  return html`<section class="card ${destructive ? "state-fail" : "state-pending"}" id="confirm"><h2>${plan.title}</h2>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
  ${plan.body}
  ${
    plan.runnable
      ? html`<form method="post" action="/migrations/actions/${action}">
    <input type="hidden" name="csrf" value="${csrf}">
    ${Object.entries(plan.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    ${destructive ? html`<label for="confirm-name">Type the database name <code>${dbName}</code> to confirm</label><input id="confirm-name" name="confirm" autocomplete="off" required>` : ""}
    <button type="submit" class="${destructive ? "danger" : "primary"}">${plan.title}</button>
    <a href="/migrations">Cancel</a></form>`
      : html`<p><a href="/migrations">Back</a></p>`
  }</section>`;
}

/** The job payload of a confirmed action (validated again by the queue contract). */
export function payloadOf(action: Action, form: Record<string, string>): Record<string, unknown> {
  if (action === "rollback") return { to: form.to ?? "prev" };
  if (action === "restore") return { file: form.file ?? "" };
  return {};
}
