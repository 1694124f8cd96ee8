// The dashboard's stylesheet and script, served by the API itself at /migrations/assets/…
// (no CDN, no inline code: the Content-Security-Policy allows only files from 'self').

/** The stylesheet: colours with meaning, phone width, dark mode from the system setting. */
export const DASHBOARD_CSS = `
:root { --bg:#f7f7f5; --fg:#1d1f21; --muted:#5f6368; --card:#fff; --line:#d9dadc;
  --ok:#1e7b34; --ok-bg:#e6f4ea; --pending:#8a5a00; --pending-bg:#fff4d6; --fail:#b3261e; --fail-bg:#fce8e6;
  --focus:#1a73e8; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --bg:#121416; --fg:#e8eaed; --muted:#9aa0a6; --card:#1c1f23;
  --line:#3c4043; --ok:#81c995; --ok-bg:#0f2e1a; --pending:#fdd663; --pending-bg:#3a2e05; --fail:#f28b82; --fail-bg:#3c1412;
  --focus:#8ab4f8; } }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; flex-wrap:wrap; gap:.5rem; justify-content:space-between; align-items:center; padding:.75rem 1rem; border-bottom:1px solid var(--line); }
header h1 { font-size:1.15rem; margin:0; } header a { color:inherit; }
main { max-width:70rem; margin:0 auto; padding:1rem; display:grid; gap:1rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:.5rem; padding:1rem; overflow-wrap:anywhere; }
.card h2 { margin:0 0 .5rem; font-size:1.1rem; }
.banner { border-radius:.5rem; padding:1rem; border-left:.5rem solid; }
.banner h2 { margin:0; font-size:1.4rem; } .banner p { margin:.25rem 0 0; }
.state-ok { border-color:var(--ok); background:var(--ok-bg); color:var(--fg); }
.state-pending { border-color:var(--pending); background:var(--pending-bg); }
.state-fail { border-color:var(--fail); background:var(--fail-bg); }
.banner.state-ok h2 { color:var(--ok); } .banner.state-pending h2 { color:var(--pending); } .banner.state-fail h2 { color:var(--fail); }
.card.state-fail, .card.state-pending { border-left-width:.35rem; }
.problem h3 { color:var(--fail); font-size:1rem; margin:.5rem 0 .25rem; }
.todo { font-weight:600; }
.facts { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:0; }
.facts dt { color:var(--muted); }
.facts dd { margin:0; }
pre { overflow:auto; padding:.5rem; background:var(--bg); border:1px solid var(--line); border-radius:.25rem; font-size:.85rem; white-space:pre-wrap; }
.error-text { color:var(--fail); } .error { color:var(--fail); font-weight:600; } .warn { color:var(--pending); }
.muted { color:var(--muted); font-size:.9rem; }
.tag { display:inline-block; padding:0 .4rem; border-radius:1rem; border:1px solid var(--line); font-size:.8rem; }
.down-missing, .status-failed { color:var(--fail); border-color:var(--fail); }
.down-unverified { color:var(--pending); border-color:var(--pending); }
.down-proven, .status-ok { color:var(--ok); border-color:var(--ok); }
.timeline { list-style:none; padding:0; margin:0; border-left:2px solid var(--line); }
.timeline .event { margin:0 0 .75rem; padding:.25rem .75rem; border-left:.25rem solid transparent; }
.timeline .event.state-fail { border-left-color:var(--fail); }
.restore-point { font-size:.9rem; }
table { border-collapse:collapse; width:100%; font-size:.9rem; }
th, td { text-align:left; padding:.25rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
.scroll { overflow-x:auto; }
#jobs td:not(.job-error), #jobs th { white-space:nowrap; }
.job-error { min-width:16rem; }
summary { cursor:pointer; padding:.25rem 0; }
.actions { display:flex; flex-wrap:wrap; gap:1rem; align-items:end; }
.actions form { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; }
form.inline { display:flex; gap:.5rem; align-items:center; }
label { display:block; }
input, select, button { font:inherit; padding:.4rem .6rem; border-radius:.3rem; border:1px solid var(--line); background:var(--card); color:var(--fg); min-height:2.5rem; }
#signin input { width:100%; max-width:28rem; display:block; margin:.25rem 0 .5rem; }
#confirm input { display:block; margin:.25rem 0 .5rem; }
button { cursor:pointer; } button.primary { background:var(--ok); color:var(--card); border-color:var(--ok); }
button.danger { background:var(--fail); color:var(--card); border-color:var(--fail); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline:3px solid var(--focus); outline-offset:2px; }
@media (max-width: 40rem) { main { padding:.5rem; } .facts { grid-template-columns:1fr; } .facts dt { margin-top:.4rem; } }
`;

/**
 * The script: listens to /migrations/events and updates job progress in place; when a job
 * starts or ends, it re-reads the page and swaps <main>, so the colours follow by themselves.
 * Without it the page is complete, just not live.
 */
export const DASHBOARD_JS = `"use strict";
(function () {
  if (!window.EventSource || !window.fetch) return;
  var pending = null;
  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(location.pathname, { credentials: "same-origin", headers: { accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (!text) return;
          var doc = new DOMParser().parseFromString(text, "text/html");
          var fresh = doc.getElementById("main");
          var main = document.getElementById("main");
          if (!fresh || !main) return;
          var open = {};
          main.querySelectorAll("details[open][data-revision]").forEach(function (d) { open[d.getAttribute("data-revision")] = true; });
          main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
          main.querySelectorAll("details[data-revision]").forEach(function (d) { if (open[d.getAttribute("data-revision")]) d.open = true; });
          document.body.setAttribute("data-refreshed", String(Date.now()));
        })
        .catch(function () {});
    }, 250);
  }
  if (location.pathname !== "/migrations") return;
  var source = new EventSource("/migrations/events");
  source.addEventListener("open", function () { document.body.setAttribute("data-live", "on"); });
  source.addEventListener("error", function () { document.body.setAttribute("data-live", "off"); });
  source.addEventListener("job", function (message) {
    var e;
    try { e = JSON.parse(message.data); } catch (err) { return; }
    var row = document.querySelector('tr[data-job-id="' + (window.CSS && CSS.escape ? CSS.escape(e.jobId) : e.jobId) + '"]');
    if (e.type === "progress" && row && e.step) {
      row.querySelector(".progress").textContent = e.step + (e.revision ? " " + e.revision : "");
      row.querySelector(".job-state").textContent = "active";
      return;
    }
    refresh();
  });
})();
`;
