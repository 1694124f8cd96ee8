import cookie from "@fastify/cookie";
import { isTidemarkError } from "@tidemark/migrate";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ReadTokens } from "../auth.js";
import type { Boot } from "../boot.js";
import type { Memo } from "../cache.js";
import { type EnqueueDeps, enqueueJob } from "../enqueue.js";
import type { FleetHandle } from "../fleet-handle.js";
import { perClientLimit } from "../schemas.js";
import { type CachedStatus, statusSummary } from "../status-report.js";
import { actionsCard, confirmBody, DESTRUCTIVE, isAction, payloadOf, planOf } from "./actions.js";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.js";
import { type DataDeps, dbLabel, readDashboard } from "./data.js";
import { fleetCard, fleetSource } from "./fleet.js";
import { type Html, html } from "./html.js";
import { LiveHub } from "./live.js";
import { anonymousBody, banner, layout, overallOf, whereCard } from "./page.js";
import { pendingCard, problemsCard, tablesCard } from "./sections.js";
import {
  csrfToken,
  csrfValid,
  endSession,
  roleOf,
  type Session,
  sessionOf,
  sessionSecret,
  startSession,
} from "./session.js";
import { backupsCard, historyCard, jobsCard } from "./timeline.js";

/** What the dashboard needs: the same engine context, status memo, queue and watcher as the JSON routes. */
export interface DashboardOptions extends EnqueueDeps {
  boot: Boot;
  status: Memo<CachedStatus>;
  tokens: ReadTokens;
  rateLimitPerMinute: number;
  /** The fleet, when one is configured: the page then has a Fleet section. */
  fleet: FleetHandle | null;
}

/** No inline script or style, nothing from elsewhere, no framing. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

type Form = Record<string, string>;

/** Open event streams at most; one more answers 503 (each holds a socket and a little memory). */
export const MAX_STREAMS = 1000;

function page(
  reply: FastifyReply,
  code: number,
  title: string,
  s: Session | null,
  body: Html,
  csrf: string | null,
) {
  return reply
    .code(code)
    .type("text/html; charset=utf-8")
    .send(layout(title, s, body, csrf).value);
}

/** `GET /migrations`: the migrations dashboard (docs/dashboard.md). */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const secret = sessionSecret();
  await app.register(cookie, { secret });
  const data: DataDeps = {
    ctx: opts.ctx,
    status: opts.status,
    queue: opts.queue,
    boot: () => opts.boot.snapshot(),
  };
  const hub = new LiveHub(
    () => opts.watcher.sharedEvents(),
    () => opts.status.invalidate(),
    app.log,
  );
  app.addHook("preClose", async () => hub.close());
  const limited = perClientLimit(opts.rateLimitPerMinute);
  const readFleet = opts.fleet ? fleetSource(opts.fleet) : null;
  const fleetPart = async (signedIn: boolean) =>
    readFleet ? fleetCard(await readFleet(signedIn), signedIn) : "";
  const csrfOf = (s: Session | null) => (s ? csrfToken(secret, s) : null);

  // Forms only: parsed here, so the JSON API keeps refusing form bodies.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 8192 },
    (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook("onRequest", async (req, reply) => {
    reply.header("content-security-policy", CSP);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("cache-control", "no-store");
    // Tokens never travel in URLs (logs, history, Referer): refuse rather than ignore silently.
    const query = req.query as Record<string, unknown> | undefined;
    if (query && "token" in query) {
      return page(
        reply,
        400,
        "Token refused",
        null,
        html`<section class="card state-fail"><h2>Tokens never go in URLs</h2>
        <p>This request carried <code>?token=</code>; it was not used. Remove it from the address (and from your history), then sign in with the form.</p></section>`,
        null,
      );
    }
  });

  app.get("/migrations/assets/dashboard.css", async (_req, reply) =>
    reply.type("text/css; charset=utf-8").send(DASHBOARD_CSS),
  );
  app.get("/migrations/assets/dashboard.js", async (_req, reply) =>
    reply.type("text/javascript; charset=utf-8").send(DASHBOARD_JS),
  );

  const render = async (
    req: FastifyRequest,
    reply: FastifyReply,
    code = 200,
    message: string | null = null,
  ) => {
    const s = sessionOf(req);
    if (!s) {
      const [cached, fleet] = await Promise.all([opts.status.get(), fleetPart(false)]);
      const summary = statusSummary(cached, opts.boot.snapshot());
      return page(reply, code, "Tidemark migrations", null, anonymousBody(summary, message, fleet), null);
    }
    const [d, fleet] = await Promise.all([readDashboard(data), fleetPart(true)]);
    const body = html`${banner(overallOf(d), d.core.current, d.core.latest, d.core.pending.length)}
      ${problemsCard(d)}${whereCard(d, d.boot)}${pendingCard(d)}${s.role === "admin" ? actionsCard(d) : ""}
      ${jobsCard(d)}${fleet}${historyCard(d)}${backupsCard(d)}${tablesCard(d)}`;
    return page(reply, code, "Tidemark migrations", s, body, csrfOf(s));
  };

  app.get("/migrations", { config: limited }, (req, reply) => render(req, reply));

  app.get("/migrations/events", (req, reply) => {
    // Open to anonymous viewers (events carry no details), so bounded: a socket each.
    if (hub.size >= MAX_STREAMS) {
      return reply.code(503).header("retry-after", "30").send("Too many open dashboards; retry later.\n");
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    hub.add(reply.raw);
    req.raw.on("close", () => reply.raw.end());
  });

  app.post("/migrations/login", { config: limited }, async (req, reply) => {
    const typed = (req.body as Form | undefined)?.token ?? "";
    const role = typed ? roleOf(opts.tokens, typed) : null;
    if (!role) {
      req.log.warn("dashboard: sign-in refused (wrong token)");
      return render(req, reply, 401, "Wrong token: nothing was signed in. Use STATUS_TOKEN or ADMIN_TOKEN.");
    }
    startSession(reply, role);
    return reply.code(303).redirect("/migrations");
  });

  app.post("/migrations/logout", async (req, reply) => {
    const s = sessionOf(req);
    if (s && !csrfValid(secret, s, (req.body as Form | undefined)?.csrf))
      return refuse(reply, s, 403, "Missing or wrong form token.");
    endSession(reply);
    return reply.code(303).redirect("/migrations");
  });

  const refuse = (reply: FastifyReply, s: Session | null, code: number, why: string) =>
    page(
      reply,
      code,
      "Refused",
      s,
      html`<section class="card state-fail" id="refused"><h2>Refused</h2><p class="error" role="alert">${why}</p>
      <p><a href="/migrations">Back to the dashboard</a></p></section>`,
      csrfOf(s),
    );

  const admin = (req: FastifyRequest, reply: FastifyReply): Session | null => {
    const s = sessionOf(req);
    if (s?.role === "admin") return s;
    void refuse(
      reply,
      s,
      s ? 403 : 401,
      s ? "This needs the ADMIN_TOKEN; you signed in read-only." : "Sign in with the ADMIN_TOKEN first.",
    );
    return null;
  };

  const confirmation = async (
    reply: FastifyReply,
    s: Session,
    action: string,
    input: Form,
    code: number,
    error: string | null,
  ) => {
    if (!isAction(action)) return refuse(reply, s, 404, `No action ${action}.`);
    const d = await readDashboard(data);
    try {
      const plan = await planOf(action, input, opts.ctx, d);
      return page(
        reply,
        code,
        plan.title,
        s,
        confirmBody(action, plan, d.db.name, csrfToken(secret, s), error),
        csrfOf(s),
      );
    } catch (err) {
      if (!isTidemarkError(err)) throw err;
      return refuse(reply, s, 400, `${err.code}: ${err.message}`);
    }
  };

  app.get("/migrations/confirm/:action", { config: limited }, async (req, reply) => {
    const s = admin(req, reply);
    if (!s) return reply;
    return confirmation(reply, s, (req.params as Form).action ?? "", req.query as Form, 200, null);
  });

  app.post("/migrations/actions/:action", { config: limited }, async (req, reply) => {
    const s = admin(req, reply);
    if (!s) return reply;
    const form = (req.body ?? {}) as Form;
    const action = (req.params as Form).action ?? "";
    if (!csrfValid(secret, s, form.csrf)) {
      req.log.warn({ action }, "dashboard: action refused (missing or wrong CSRF token)");
      return refuse(
        reply,
        s,
        403,
        "Missing or wrong form token: nothing was done. Open the action from the dashboard again.",
      );
    }
    if (!isAction(action)) return refuse(reply, s, 404, `No action ${action}.`);
    if (DESTRUCTIVE.has(action) && form.confirm !== dbLabel(opts.ctx).name) {
      return confirmation(
        reply,
        s,
        action,
        form,
        400,
        "The name typed does not match the database name: nothing was done.",
      );
    }
    try {
      const { jobId } = await enqueueJob(opts, action, payloadOf(action, form), reply, req.log);
      return reply.code(303).redirect(`/migrations?job=${encodeURIComponent(jobId)}#jobs`);
    } catch (err) {
      if (!isTidemarkError(err)) throw err;
      return refuse(reply, s, err.code === "TM_QUEUE_FULL" ? 429 : 400, `${err.code}: ${err.message}`);
    }
  });
};
