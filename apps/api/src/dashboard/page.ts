import type { BootSnapshot } from "../boot.js";
import type { StatusSummary } from "../status-report.js";
import type { DashboardData } from "./data.js";
import { type Html, html } from "./html.js";
import type { Session } from "./session.js";

/** What the overall colour means: green up to date, amber pending, red failure or drift. */
export type Overall = "ok" | "pending" | "fail";

/** The overall state of a full report (the signed-in view). */
export function overallOf(d: DashboardData): Overall {
  const c = d.core;
  const drifted = c.schemaDrift?.state === "drifted";
  if (c.lastFailure || c.drift.length > 0 || c.late.length > 0 || drifted) {
    return "fail";
  }
  return c.upToDate ? "ok" : "pending";
}

const HEADLINE: Record<Overall, string> = {
  ok: "Up to date",
  pending: "Migrations pending",
  fail: "Needs attention",
};

/** The banner at the top: one colour, one sentence. */
export function banner(state: Overall, current: string | null, latest: string | null, pending: number): Html {
  const detail =
    pending > 0
      ? `${pending} migration${pending === 1 ? "" : "s"} pending: at ${current ?? "nothing applied"}, latest ${latest ?? "none"}.`
      : `At ${current ?? "nothing applied"} (latest ${latest ?? "none"}).`;
  return html`<section id="overall" class="banner state-${state}" data-state="${state}" role="status">
  <h2>${HEADLINE[state]}</h2><p>${detail}</p></section>`;
}

/** The whole document around `body`; assets come from the API itself (CSP `'self'`). */
export function layout(title: string, session: Session | null, body: Html, csrf: string | null): Html {
  const who = session
    ? html`<form method="post" action="/migrations/logout" class="inline">
        <input type="hidden" name="csrf" value="${csrf}">
        <span class="role">Signed in: ${session.role === "admin" ? "admin" : "read-only"}</span>
        <button type="submit">Sign out</button></form>`
    : html`<a href="#signin">Sign in for details</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/migrations/assets/dashboard.css">
<script src="/migrations/assets/dashboard.js" defer></script>
</head><body>
<header><h1><a href="/migrations">Tidemark migrations</a></h1><nav>${who}</nav></header>
<main id="main">${body}</main>
</body></html>`;
}

/** The sign-in form: the token goes in a POST body, never in a URL. */
export function signInForm(message: string | null): Html {
  return html`<section id="signin" class="card"><h2>Sign in</h2>
  ${message ? html`<p class="error" role="alert">${message}</p>` : ""}
  <form method="post" action="/migrations/login">
    <label for="token">STATUS_TOKEN (read) or ADMIN_TOKEN (read and act)</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form></section>`;
}

/** The anonymous view: what anonymous `GET /migrations/status` shows, plus `extra` (the fleet's counts). */
export function anonymousBody(s: StatusSummary, message: string | null, extra: Html | string = ""): Html {
  const state: Overall = s.upToDate ? "ok" : "pending";
  return html`${banner(state, s.current, s.latest, s.pending.length)}
<section class="card"><h2>Revisions</h2><dl class="facts">
  <dt>Current</dt><dd>${s.current ?? "nothing applied"}</dd>
  <dt>Latest</dt><dd>${s.latest ?? "none"}</dd>
  <dt>Boot phase</dt><dd>${s.boot.phase}</dd></dl>
  ${s.pending.length ? html`<h3>Pending</h3><ol class="pending">${s.pending.map((p) => html`<li><code>${p}</code></li>`)}</ol>` : ""}
</section>
${extra}${signInForm(message)}`;
}

/** The sessions the lock holder waits on, so a stuck run names what to end or wait for. */
function blockers(list: { pid: number; state: string | null; query: string | null }[]): Html | string {
  if (list.length === 0) return "";
  return html`<span id="lock-blockers"> — waiting on ${list.map(
    (b, i) =>
      html`${i > 0 ? "; " : ""}pid ${b.pid} (${b.state ?? "unknown state"})${b.query ? html`: <code>${b.query}</code>` : ""}`,
  )}</span>`;
}

/** Database, environment and boot phase. */
export function whereCard(d: DashboardData, boot: BootSnapshot): Html {
  return html`<section class="card"><h2>Database</h2><dl class="facts">
  <dt>Database</dt><dd><code id="db-name">${d.db.name}</code> on <code>${d.db.host}:${d.db.port}</code></dd>
  <dt>Environment</dt><dd>${d.core.environment}</dd>
  <dt>Boot phase</dt><dd>${boot.phase}</dd>
  <dt>Current</dt><dd><code>${d.core.current ?? "nothing applied"}</code></dd>
  <dt>Latest</dt><dd><code>${d.core.latest ?? "none"}</code></dd>
  <dt>Lock</dt><dd>${
    d.core.lockHolder
      ? html`held by <code>${d.core.lockHolder.applicationName}</code> (pid ${d.core.lockHolder.pid}) since ${d.core.lockHolder.since ?? "unknown"}${d.core.lockHolder.query ? html`, running <code>${d.core.lockHolder.query}</code>` : ""}${blockers(d.core.lockHolder.blockedBy)}`
      : "free"
  }</dd></dl></section>`;
}
