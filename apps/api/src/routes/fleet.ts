import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FleetPayload } from "@tidemark/jobs";
import { currentRequester, fleetInput } from "@tidemark/jobs/contract";
import { countTargets, planWaves, TidemarkError } from "@tidemark/migrate";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type ReadTokens, requireAdmin, requireReader } from "../auth.js";
import { type FleetHandle, scrubSecrets } from "../fleet-handle.js";
import { errorResponses, perClientLimit } from "../schemas.js";
import { Type } from "../type.js";
import {
  FLEET_ID,
  FleetIdParams,
  FleetJobsQuery,
  FleetLinksSchema,
  FleetStatusQuery,
  FleetStatusSchema,
  FleetViewSchema,
  fleetLinks,
  type StartFleet,
  StartFleetBody,
} from "./fleet-schemas.js";

/** What the fleet routes need; `fleet` is null when neither TIDEMARK_TARGETS nor TIDEMARK_TARGETS_QUERY is set. */
export interface FleetRoutesOptions {
  fleet: FleetHandle | null;
  tokens: ReadTokens;
  rateLimitPerMinute: number;
}

function runNotFound(id: string): TidemarkError {
  return new TidemarkError(
    "TM_FLEET_NOT_FOUND",
    `No fleet run ${id}; GET /fleet/jobs lists the recent ones (finished runs are trimmed after a while).`,
    { details: { fleetId: id } },
  );
}

/** Only ids of the shape the client creates reach Redis; others are simply not found. */
function checkedId(id: string): string {
  if (FLEET_ID.test(id)) return id;
  throw runNotFound(id);
}

/** Without a fleet every /fleet route says so, rather than a bare "no route". */
function notConfigured(app: FastifyInstance): void {
  const handler = async () => {
    throw new TidemarkError(
      "TM_FLEET_NOT_CONFIGURED",
      "No fleet is configured on this API: set TIDEMARK_TARGETS (a JSON or YAML targets file) or TIDEMARK_TARGETS_QUERY (SQL on the control database) and restart it.",
    );
  };
  app.all("/fleet", { schema: { hide: true } }, handler);
  app.all("/fleet/*", { schema: { hide: true } }, handler);
}

/** Plan a run over the targets as listed now (never the cached list) and start it; returns its id. */
async function startRun(fleet: FleetHandle, body: StartFleet): Promise<string> {
  const input = fleetInput(body.action, body);
  const targets = await fleet.freshTargets();
  if (targets.length === 0) {
    throw new TidemarkError(
      "TM_USAGE",
      "The fleet has no targets (the targets query returned no rows): nothing to run.",
    );
  }
  const plan = planWaves(targets, body);
  const payload = {
    targets,
    canary: plan.canary,
    waves: plan.waves,
    maxFailures: body.maxFailures ?? 0,
    requestedBy: currentRequester("api"),
    resumes: 0,
    input,
  } as FleetPayload;
  const { fleetId } = await (await fleet.get()).start(`fleet-${body.action}`, payload);
  return fleetId;
}

/** What each group of fleet routes shares. */
interface Shared {
  fleet: FleetHandle;
  tags: string[];
  security: { bearer: never[] }[];
  config: ReturnType<typeof perClientLimit>;
}

type App = Parameters<FastifyPluginAsyncTypebox>[0];
type OnRequest = (req: FastifyRequest) => Promise<void>;

/** `/fleet/status` and `/fleet/jobs…`: fleet runs over HTTP (docs/api.md); who may do what: docs/security.md. */
export const fleetRoutes: FastifyPluginAsyncTypebox<FleetRoutesOptions> = async (app, opts) => {
  const { fleet } = opts;
  if (!fleet) return notConfigured(app);
  const shared: Shared = {
    fleet,
    tags: ["fleet"],
    security: [{ bearer: [] }],
    config: perClientLimit(opts.rateLimitPerMinute),
  };
  // Belt and braces: answers are built from password-free URLs, but a driver or error message
  // quoting a target's password must not carry it out either.
  app.addHook("preSerialization", async (_req, _reply, payload) =>
    scrubSecrets(payload, fleet.secrets(await fleet.targets.get().catch(() => []))),
  );
  readRoutes(app, shared, requireReader(opts.tokens));
  actionRoutes(app, shared, requireAdmin(opts.tokens.adminToken));
};

/** Status, run listings and one run: STATUS_TOKEN or ADMIN_TOKEN. */
function readRoutes(app: App, { fleet, tags, security, config }: Shared, reader: OnRequest): void {
  app.get(
    "/fleet/status",
    {
      schema: {
        tags,
        summary:
          "Every target's revision, pending count, drift, lock holder, last failure or read error (Bearer STATUS_TOKEN or ADMIN_TOKEN)",
        security,
        querystring: FleetStatusQuery,
        response: { 200: FleetStatusSchema, ...errorResponses },
      },
      onRequest: reader,
      config,
    },
    async (req) => {
      const rows = await fleet.status(await fleet.targets.get(), req.query.concurrency);
      return { items: rows, counts: countTargets(rows) };
    },
  );

  app.get(
    "/fleet/jobs",
    {
      schema: {
        tags,
        summary: "Recent fleet runs, newest first (Bearer STATUS_TOKEN or ADMIN_TOKEN)",
        security,
        querystring: FleetJobsQuery,
        response: { 200: Type.Object({ items: Type.Array(FleetViewSchema) }), ...errorResponses },
      },
      onRequest: reader,
      config,
    },
    async (req) => ({ items: await (await fleet.get()).list(req.query.limit) }),
  );

  app.get(
    "/fleet/jobs/:id",
    {
      schema: {
        tags,
        summary:
          "One fleet run target by target: status, counts, waves, errors (Bearer STATUS_TOKEN or ADMIN_TOKEN)",
        security,
        params: FleetIdParams,
        response: { 200: FleetViewSchema, ...errorResponses },
      },
      onRequest: reader,
      config,
    },
    async (req) => {
      const id = checkedId(req.params.id);
      const view = await (await fleet.get()).get(id);
      if (!view) throw runNotFound(id);
      return view;
    },
  );
}

/** Start, cancel and resume runs: ADMIN_TOKEN only (disabled without it). */
function actionRoutes(app: App, { fleet, tags, security, config }: Shared, admin: OnRequest): void {
  app.post(
    "/fleet/jobs",
    {
      schema: {
        tags,
        summary:
          "Start a fleet run over every target: canaries first, then waves (Bearer ADMIN_TOKEN); 409 TM_FLEET_BUSY while another runs",
        security,
        body: StartFleetBody,
        response: {
          202: Type.Object({ fleetId: Type.String(), links: FleetLinksSchema }),
          ...errorResponses,
        },
      },
      onRequest: admin,
      config,
    },
    async (req, reply) => {
      const fleetId = await startRun(fleet, req.body);
      req.log.info({ fleetId, action: req.body.action }, "fleet run started");
      return reply.code(202).send({ fleetId, links: fleetLinks(fleetId) });
    },
  );

  for (const verb of ["cancel", "resume"] as const) {
    app.post(
      `/fleet/jobs/:id/${verb}`,
      {
        schema: {
          tags,
          summary:
            verb === "cancel"
              ? "Start no more targets of a running run; running targets finish (Bearer ADMIN_TOKEN)"
              : "Run a halted, cancelled or incomplete run's failed and skipped targets again, then its remaining waves (Bearer ADMIN_TOKEN)",
          security,
          params: FleetIdParams,
          response: { 200: FleetViewSchema, ...errorResponses },
        },
        onRequest: admin,
        config,
      },
      async (req) => {
        const id = checkedId(req.params.id);
        const view = await (await fleet.get())[verb](id);
        req.log.info({ fleetId: id }, `fleet run ${verb === "cancel" ? "cancel requested" : "resumed"}`);
        return view;
      },
    );
  }
}
